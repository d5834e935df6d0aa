package localcognito

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The administrative operations the trigger functions and API handlers call
// with the pool's IAM credentials (AWS SDK, SigV4): AdminGetUser, ListUsers,
// AdminLinkProviderForUser, AdminDisableProviderForUser, AdminConfirmSignUp,
// AdminUpdateUserAttributes and AdminDeleteUserAttributes. Request and
// response shapes follow the Amazon Cognito user pools API reference.

func init() {
	for name, f := range map[string]opFunc{
		"AdminGetUser":                opAdminGetUser,
		"ListUsers":                   opListUsers,
		"AdminLinkProviderForUser":    opAdminLinkProviderForUser,
		"AdminDisableProviderForUser": opAdminDisableProviderForUser,
		"AdminConfirmSignUp":          opAdminConfirmSignUp,
		"AdminUpdateUserAttributes":   opAdminUpdateUserAttributes,
		"AdminDeleteUserAttributes":   opAdminDeleteUserAttributes,
	} {
		ops[name] = f
	}
}

// iamOp reports whether op is authorized with IAM (SigV4) rather than by a
// client id or an access token.
// DOCUMENTED: API reference, "Amazon Cognito user pools API operations":
// the Admin* operations and ListUsers are "IAM-authenticated" and need
// SigV4-signed requests.
func iamOp(op string) bool { return strings.HasPrefix(op, "Admin") || op == "ListUsers" }

// checkIAM refuses an IAM-authenticated operation without a SigV4
// Authorization header.
// LOCAL: IAM is not emulated. The header's presence and scheme are required
// (so a browser or an unsigned script cannot call the admin operations by
// mistake), but the signature, the credentials and any policy are not
// checked: every signed request is allowed.
func checkIAM(op string, r *http.Request) *apiError {
	if !iamOp(op) {
		return nil
	}
	if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
		return &apiError{Type: "MissingAuthenticationTokenException", Message: "Missing Authentication Token", status: http.StatusForbidden, reason: "admin call without SigV4"}
	}
	return nil
}

const adminLog = "(iam)"

// cognitoProvider is the ProviderName of native users in
// ProviderUserIdentifierType.
const cognitoProvider = "Cognito"

// maxIdentities: DOCUMENTED: AdminLinkProviderForUser: "The maximum number
// of federated identities linked to a user is five."
const maxIdentities = 5

var (
	poolIDPattern       = regexp.MustCompile(`^[\w-]+_[0-9a-zA-Z]+$`)
	providerNamePattern = regexp.MustCompile(`^[\p{L}\p{M}\p{S}\p{N}\p{P}\p{Z}]+$`)
)

func linkKey(provider, subject string) string { return provider + "\x00" + subject }

// pool checks a UserPoolId against this pool.
func (s *Server) pool(id string) *apiError {
	if id == "" {
		return errf(eInvalidParameter, "1 validation error detected: Value null at 'userPoolId' failed to satisfy constraint: Member must not be null")
	}
	if n := utf8.RuneCountInString(id); n > 55 || !poolIDPattern.MatchString(id) {
		return errf(eInvalidParameter, "1 validation error detected: Value '%s' at 'userPoolId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w-]+_[0-9a-zA-Z]+", id)
	}
	if id != s.cfg.PoolID {
		return errf(eResourceNotFound, "User pool %s does not exist.", id)
	}
	return nil
}

// errNoUser: the message Cognito users observe for an unknown username.
func errNoUser() *apiError { return errf(eUserNotFound, "User does not exist.") }

// adminUser resolves Username (the username or an alias) in pool; callers
// do not hold s.mu.
func (s *Server) adminUser(poolID, name string) (*user, *apiError) {
	if e := s.pool(poolID); e != nil {
		return nil, e
	}
	if name == "" {
		return nil, errf(eInvalidParameter, "1 validation error detected: Value null at 'username' failed to satisfy constraint: Member must not be null")
	}
	s.mu.Lock()
	u := s.lookup(name)
	s.mu.Unlock()
	if u == nil {
		return nil, errNoUser()
	}
	return u, nil
}

// adminTarget decodes an Admin* request into in, whose adminUserInput is
// target, and resolves the user it names (as adminUser).
func (s *Server) adminTarget(body []byte, in any, target *adminUserInput) (*user, *apiError) {
	if e := decode(body, in); e != nil {
		return nil, e
	}
	return s.adminUser(target.UserPoolID, target.Username)
}

// status is the UserStatus. DOCUMENTED: UserType.UserStatus values
// (UNCONFIRMED, CONFIRMED, EXTERNAL_PROVIDER, ...). Callers hold s.mu.
func (u *user) status() string {
	switch {
	case u.external:
		return "EXTERNAL_PROVIDER"
	case u.confirmed:
		return "CONFIRMED"
	}
	return "UNCONFIRMED"
}

func sortedAttributes(m map[string]string, only []string) []attributeType {
	keys := make([]string, 0, len(m))
	for k := range m {
		if only == nil || slices.Contains(only, k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	out := make([]attributeType, 0, len(keys))
	for _, k := range keys {
		out = append(out, attributeType{Name: k, Value: m[k]})
	}
	return out
}

// epoch is how the awsJson1_1 protocol sends a timestamp: seconds since the
// epoch as a JSON number.
func epoch(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }

type adminUserInput struct {
	UserPoolID     string            `json:"UserPoolId"`
	Username       string            `json:"Username"`
	ClientMetadata map[string]string `json:"ClientMetadata"`
}

type adminGetUserOutput struct {
	Username             string          `json:"Username"`
	UserAttributes       []attributeType `json:"UserAttributes"`
	UserCreateDate       float64         `json:"UserCreateDate"`
	UserLastModifiedDate float64         `json:"UserLastModifiedDate"`
	Enabled              bool            `json:"Enabled"`
	UserStatus           string          `json:"UserStatus"`
	// MFA. DOCUMENTED: AdminGetUser response elements MFAOptions (legacy,
	// SMS only: always empty here), PreferredMfaSetting and
	// UserMFASettingList (mfa.go, mfaSettings). lambdas/linking's HasMFA
	// refuses to link a user for whom any of the three is non-empty.
	MFAOptions          []struct{} `json:"MFAOptions"`
	PreferredMfaSetting string     `json:"PreferredMfaSetting,omitempty"`
	UserMFASettingList  []string   `json:"UserMFASettingList"`
}

func opAdminGetUser(ctx context.Context, s *Server, body []byte) (any, *apiError, string) {
	var in adminUserInput
	u, e := s.adminTarget(body, &in, &in)
	if e != nil {
		return nil, e, adminLog
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	preferred, mfaList := u.mfaSettings()
	if mfaList == nil {
		mfaList = []string{}
	}
	return adminGetUserOutput{
		Username: u.username, UserAttributes: sortedAttributes(u.attrs, nil),
		UserCreateDate: epoch(u.created), UserLastModifiedDate: epoch(u.modified),
		Enabled: !u.disabled, UserStatus: u.status(),
		MFAOptions: []struct{}{}, PreferredMfaSetting: preferred, UserMFASettingList: mfaList,
	}, nil, adminLog
}

type listUsersInput struct {
	UserPoolID      string   `json:"UserPoolId"`
	AttributesToGet []string `json:"AttributesToGet"`
	Filter          string   `json:"Filter"`
	Limit           *int     `json:"Limit"`
	PaginationToken string   `json:"PaginationToken"`
}

type userType struct {
	Username             string          `json:"Username"`
	Attributes           []attributeType `json:"Attributes"`
	UserCreateDate       float64         `json:"UserCreateDate"`
	UserLastModifiedDate float64         `json:"UserLastModifiedDate"`
	Enabled              bool            `json:"Enabled"`
	UserStatus           string          `json:"UserStatus"`
}

// filterGrammar: DOCUMENTED: ListUsers, Filter: `AttributeName Filter-Type
// "AttributeValue"`, Filter-Type "=" (exact match) or "^=" (starts with);
// quotation marks inside the value are escaped with a backslash (and so is
// a backslash).
var filterGrammar = regexp.MustCompile(`^\s*([\w:]+)\s*(=|\^=)\s*"(.*)"\s*$`)

// searchable: DOCUMENTED: ListUsers: "You can only search for the
// following standard attributes: username (case-sensitive), email,
// phone_number, name, given_name, family_name, preferred_username,
// cognito:user_status (called Status in the Console) (case-insensitive),
// status (called Enabled in the Console) (case-sensitive), sub". Custom
// attributes are not searchable.
var searchable = []string{"username", "email", "phone_number", "name", "given_name", "family_name", "preferred_username", "cognito:user_status", "status", "sub"}

type userFilter struct {
	attr, op, value string
}

func parseFilter(f string) (*userFilter, *apiError) {
	if strings.TrimSpace(f) == "" {
		return nil, nil
	}
	m := filterGrammar.FindStringSubmatch(f)
	if m == nil {
		return nil, errf(eInvalidParameter, "Error while parsing filter.")
	}
	var b strings.Builder
	raw := m[3]
	for i := 0; i < len(raw); i++ {
		switch c := raw[i]; c {
		case '\\':
			if i+1 == len(raw) || (raw[i+1] != '"' && raw[i+1] != '\\') {
				return nil, errf(eInvalidParameter, "Error while parsing filter.")
			}
			i++
			b.WriteByte(raw[i])
		case '"':
			return nil, errf(eInvalidParameter, "Error while parsing filter.")
		default:
			b.WriteByte(c)
		}
	}
	if !slices.Contains(searchable, m[1]) {
		return nil, errf(eInvalidParameter, "Invalid search attribute: %s", m[1])
	}
	return &userFilter{attr: m[1], op: m[2], value: b.String()}, nil
}

// match: callers hold s.mu. ASSUMED: comparisons are exact (case-sensitive)
// except cognito:user_status, which the reference calls case-insensitive.
func (f *userFilter) match(u *user) bool {
	if f == nil {
		return true
	}
	var v string
	switch f.attr {
	case "username":
		v = u.username
	case "cognito:user_status":
		v = u.status()
	case "status":
		v = "Enabled"
		if u.disabled {
			v = "Disabled"
		}
	default:
		var ok bool
		if v, ok = u.attrs[f.attr]; !ok {
			return false
		}
	}
	want := f.value
	if f.attr == "cognito:user_status" {
		v, want = strings.ToUpper(v), strings.ToUpper(want)
	}
	if f.op == "^=" {
		return strings.HasPrefix(v, want)
	}
	return v == want
}

func opListUsers(ctx context.Context, s *Server, body []byte) (any, *apiError, string) {
	var in listUsersInput
	if e := decode(body, &in); e != nil {
		return nil, e, adminLog
	}
	if e := s.pool(in.UserPoolID); e != nil {
		return nil, e, adminLog
	}
	// DOCUMENTED: Limit 0..60, default 60.
	limit := 60
	if in.Limit != nil {
		if *in.Limit < 0 || *in.Limit > 60 {
			return nil, errf(eInvalidParameter, "1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 60", *in.Limit), adminLog
		}
		if *in.Limit > 0 {
			limit = *in.Limit
		}
	}
	f, e := parseFilter(in.Filter)
	if e != nil {
		return nil, e, adminLog
	}
	start := 0
	if in.PaginationToken != "" {
		n, err := strconv.Atoi(in.PaginationToken)
		if err != nil || n < 0 {
			return nil, errf(eInvalidParameter, "Invalid pagination token"), adminLog
		}
		start = n
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	names := make([]string, 0, len(s.users))
	for n, u := range s.users {
		if f.match(u) {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	out := struct {
		Users           []userType `json:"Users"`
		PaginationToken string     `json:"PaginationToken,omitempty"`
	}{Users: []userType{}}
	for i := start; i < len(names) && len(out.Users) < limit; i++ {
		u := s.users[names[i]]
		out.Users = append(out.Users, userType{
			Username: u.username, Attributes: sortedAttributes(u.attrs, in.AttributesToGet),
			UserCreateDate: epoch(u.created), UserLastModifiedDate: epoch(u.modified),
			Enabled: !u.disabled, UserStatus: u.status(),
		})
		if len(out.Users) == limit && i+1 < len(names) {
			out.PaginationToken = strconv.Itoa(i + 1)
		}
	}
	return out, nil, adminLog
}

// providerUser is a ProviderUserIdentifierType.
type providerUser struct {
	ProviderName           string `json:"ProviderName"`
	ProviderAttributeName  string `json:"ProviderAttributeName"`
	ProviderAttributeValue string `json:"ProviderAttributeValue"`
}

// check: DOCUMENTED: ProviderUserIdentifierType: ProviderName 1..32
// characters of [\p{L}\p{M}\p{S}\p{N}\p{P}\p{Z}]+; attribute name and
// value at most 131072 characters.
func (p *providerUser) check(field string) *apiError {
	if p == nil {
		return errf(eInvalidParameter, "1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", field)
	}
	if n := utf8.RuneCountInString(p.ProviderName); n < 1 || n > 32 || !providerNamePattern.MatchString(p.ProviderName) {
		return errf(eInvalidParameter, "1 validation error detected: Value at '%s.providerName' failed to satisfy constraint: Member must have length less than or equal to 32", field)
	}
	if len(p.ProviderAttributeName) > 131072 || len(p.ProviderAttributeValue) > 131072 {
		return errf(eInvalidParameter, "1 validation error detected: Value at '%s' failed to satisfy constraint: Member must have length less than or equal to 131072", field)
	}
	if p.ProviderAttributeValue == "" {
		return errf(eInvalidParameter, "%s.ProviderAttributeValue is required", field)
	}
	return nil
}

// identity is one entry of the "identities" attribute, in the shape of the
// AdminGetUser samples (userId, providerName, providerType, issuer,
// primary, dateCreated).
type identity struct {
	UserID       string  `json:"userId"`
	ProviderName string  `json:"providerName"`
	ProviderType string  `json:"providerType"`
	Issuer       *string `json:"issuer"`
	Primary      bool    `json:"primary"`
	DateCreated  int64   `json:"dateCreated"`
}

func identitiesOf(u *user) []identity {
	var ids []identity
	if raw := u.attrs["identities"]; raw != "" {
		_ = json.Unmarshal([]byte(raw), &ids)
	}
	return ids
}

func setIdentities(u *user, ids []identity) {
	if len(ids) == 0 {
		delete(u.attrs, "identities")
		return
	}
	b, _ := json.Marshal(ids)
	u.attrs["identities"] = string(b)
}

func (s *Server) providerType(name string) string {
	for _, p := range s.cfg.IdentityProviders {
		if p.Name == name && p.Type != "" {
			return p.Type
		}
	}
	return "OIDC"
}

func opAdminLinkProviderForUser(ctx context.Context, s *Server, body []byte) (any, *apiError, string) {
	var in struct {
		UserPoolID      string        `json:"UserPoolId"`
		DestinationUser *providerUser `json:"DestinationUser"`
		SourceUser      *providerUser `json:"SourceUser"`
	}
	if e := decode(body, &in); e != nil {
		return nil, e, adminLog
	}
	if e := s.pool(in.UserPoolID); e != nil {
		return nil, e, adminLog
	}
	if e := in.DestinationUser.check("destinationUser"); e != nil {
		return nil, e, adminLog
	}
	if e := in.SourceUser.check("sourceUser"); e != nil {
		return nil, e, adminLog
	}
	src, dst := *in.SourceUser, *in.DestinationUser
	// DOCUMENTED: DestinationUser is a native user ("Cognito") or an
	// existing federated user; SourceUser is an external IdP's user, named
	// by ProviderAttributeName "Cognito_Subject" for OIDC providers (or a
	// claim), never "Cognito".
	if src.ProviderName == cognitoProvider {
		return nil, errf(eInvalidParameter, "Source user cannot be a Cognito user."), adminLog
	}
	if src.ProviderAttributeName == "" {
		return nil, errf(eInvalidParameter, "SourceUser.ProviderAttributeName is required"), adminLog
	}
	if dst.ProviderName != cognitoProvider {
		// LOCAL: linking onto a federated destination is not emulated.
		return nil, errf(eInvalidParameter, "The local endpoint links only onto native (Cognito) users"), adminLog
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.lookup(dst.ProviderAttributeValue)
	if d == nil || d.external {
		return nil, errNoUser(), adminLog
	}
	if _, ok := s.links[linkKey(src.ProviderName, src.ProviderAttributeValue)]; ok {
		// LOCAL (as test/cognitofake): the real error for a source already
		// linked is not documented.
		return nil, errf(eInvalidParameter, "SourceUser is already linked to a user"), adminLog
	}
	if fu := s.users[src.ProviderName+"_"+src.ProviderAttributeValue]; fu != nil && !fu.disabled {
		// DOCUMENTED: SourceUser is "an external IdP account for a user who
		// doesn't exist yet in the user pool". LOCAL: the error type.
		return nil, errf(eInvalidParameter, "SourceUser already exists in the user pool"), adminLog
	}
	ids := identitiesOf(d)
	if len(ids) >= maxIdentities {
		return nil, errf("LimitExceededException", "The destination user already has %d linked identities", maxIdentities), adminLog
	}
	ids = append(ids, identity{UserID: src.ProviderAttributeValue, ProviderName: src.ProviderName, ProviderType: s.providerType(src.ProviderName), DateCreated: s.now().UnixMilli()})
	setIdentities(d, ids)
	d.modified = s.now()
	s.links[linkKey(src.ProviderName, src.ProviderAttributeValue)] = d.username
	s.log.Info("identity linked", "op", "AdminLinkProviderForUser", "provider", src.ProviderName, "user", d.username)
	return struct{}{}, nil, adminLog
}

func opAdminDisableProviderForUser(ctx context.Context, s *Server, body []byte) (any, *apiError, string) {
	var in struct {
		UserPoolID string        `json:"UserPoolId"`
		User       *providerUser `json:"User"`
	}
	if e := decode(body, &in); e != nil {
		return nil, e, adminLog
	}
	if e := s.pool(in.UserPoolID); e != nil {
		return nil, e, adminLog
	}
	if e := in.User.check("user"); e != nil {
		return nil, e, adminLog
	}
	p := *in.User
	if p.ProviderName == cognitoProvider {
		// LOCAL: disabling a native user's password sign-in is not emulated.
		return nil, errf(eInvalidParameter, "The local endpoint does not disable native users"), adminLog
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// DOCUMENTED: AdminDisableProviderForUser: "If the user to deactivate is
	// a linked external IdP user, any link between that user and an
	// existing user is removed"; the federated user itself can no longer
	// sign in.
	key := linkKey(p.ProviderName, p.ProviderAttributeValue)
	if dest, ok := s.links[key]; ok {
		delete(s.links, key)
		if d := s.users[dest]; d != nil {
			ids := slices.DeleteFunc(identitiesOf(d), func(id identity) bool {
				return id.ProviderName == p.ProviderName && id.UserID == p.ProviderAttributeValue
			})
			setIdentities(d, ids)
			d.modified = s.now()
		}
	}
	if fu := s.users[p.ProviderName+"_"+p.ProviderAttributeValue]; fu != nil {
		fu.disabled, fu.modified = true, s.now()
	}
	// ASSUMED: an identity that is neither linked nor a user is a no-op
	// success (the reference does not say).
	return struct{}{}, nil, adminLog
}

func opAdminConfirmSignUp(ctx context.Context, s *Server, body []byte) (any, *apiError, string) {
	var in adminUserInput
	u, e := s.adminTarget(body, &in, &in)
	if e != nil {
		return nil, e, adminLog
	}
	s.mu.Lock()
	if u.confirmed {
		s.mu.Unlock()
		return nil, errf(eNotAuthorized, "User cannot be confirmed. Current status is %s", u.status()), adminLog
	}
	u.confirmed, u.code, u.modified = true, "", s.now()
	attrs, name := u.attributes(), u.username
	s.mu.Unlock()
	if e := s.postConfirmation(ctx, name, "CLIENT_ID_NOT_APPLICABLE", attrs, in.ClientMetadata); e != nil {
		return nil, e, adminLog
	}
	return struct{}{}, nil, adminLog
}

func opAdminUpdateUserAttributes(ctx context.Context, s *Server, body []byte) (any, *apiError, string) {
	var in struct {
		adminUserInput
		UserAttributes []attributeType `json:"UserAttributes"`
	}
	u, e := s.adminTarget(body, &in, &in.adminUserInput)
	if e != nil {
		return nil, e, adminLog
	}
	if len(in.UserAttributes) == 0 {
		return nil, errf(eInvalidParameter, "1 validation error detected: Value null at 'userAttributes' failed to satisfy constraint: Member must not be null"), adminLog
	}
	// DOCUMENTED: an administrator writes any mutable attribute regardless
	// of app client write lists; sub and immutable custom attributes are
	// not writable, and custom attributes must be in the schema.
	set := map[string]string{}
	for _, a := range in.UserAttributes {
		if a.Name == "" || a.Name == "sub" || a.Name == "identities" {
			return nil, errf(eInvalidParameter, "Cannot modify the attribute %s", a.Name), adminLog
		}
		if c, ok := strings.CutPrefix(a.Name, "custom:"); ok {
			mutable, known := s.cfg.CustomAttributes[c]
			if !known {
				return nil, errf(eInvalidParameter, "Attributes did not conform to the schema: Type for attribute {%s} could not be determined", a.Name), adminLog
			}
			if !mutable {
				return nil, errf(eNotAuthorized, "Cannot modify an immutable attribute: %s", a.Name), adminLog
			}
		}
		set[a.Name] = a.Value
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// DOCUMENTED: a changed email or phone number is unverified unless the
	// same call sets its *_verified attribute (pending instead, with
	// AttributesRequireVerificationBeforeUpdate: updateAttributes).
	if _, e := s.updateAttributes(u, set); e != nil {
		return nil, e, adminLog
	}
	return struct{}{}, nil, adminLog
}

func opAdminDeleteUserAttributes(ctx context.Context, s *Server, body []byte) (any, *apiError, string) {
	var in struct {
		adminUserInput
		UserAttributeNames []string `json:"UserAttributeNames"`
	}
	u, e := s.adminTarget(body, &in, &in.adminUserInput)
	if e != nil {
		return nil, e, adminLog
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range in.UserAttributeNames {
		if n == "sub" || n == "identities" {
			return nil, errf(eInvalidParameter, "Cannot delete the attribute %s", n), adminLog
		}
	}
	for _, n := range in.UserAttributeNames {
		delete(u.attrs, n)
	}
	u.modified = s.now()
	return struct{}{}, nil, adminLog
}

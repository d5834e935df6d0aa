package localcognito

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"math/big"
	"net/mail"
	"slices"
	"strings"
	"time"
)

// user is one pool user.
type user struct {
	username  string // internal username (the sub when UsernameAttributes is set)
	sub       string
	attrs     map[string]string // includes sub
	confirmed bool
	verifier  any // SRP verifier (srpEngine's)
	code      string
	codeUntil time.Time
	// external: a federated user ("<ProviderName>_<subject>", status
	// EXTERNAL_PROVIDER, no password); disabled: AdminDisableProviderForUser
	// deactivated it.
	external, disabled bool
	created, modified  time.Time

	// mfa is the user's software token and MFA preference (mfa.go); nil
	// means none.
	mfa *userMFA
	// codes are the pending codes other than sign-up's (account.go), by
	// purpose; pendingEmail is a changed email waiting for verification
	// (AttributesRequireVerificationBeforeUpdate).
	codes        map[string]pendingCode
	pendingEmail string
}

type attributeType struct {
	Name  string `json:"Name"`
	Value string `json:"Value"`
}

func (u *user) attributes() map[string]string {
	m := make(map[string]string, len(u.attrs))
	for k, v := range u.attrs {
		m[k] = v
	}
	return m
}

func (s *Server) emailIsUsername() bool {
	return slices.Contains(s.cfg.UsernameAttributes, "email")
}

// lookup finds a user by the name a client gives: the one rule every
// operation that takes a Username uses (sign-in, SignUp's existence check,
// ConfirmSignUp, ResendConfirmationCode, ForgotPassword,
// ConfirmForgotPassword, the Admin* operations). Callers hold s.mu.
//   - the internal username, in the pool's case rule (sameName);
//   - with UsernameAttributes email, the email (verified or not: it is the
//     user name, DOCUMENTED "Customizing sign-in attributes", option 2);
//   - with AliasAttributes email, a native user's VERIFIED email.
//     DOCUMENTED ("Customizing sign-in attributes"): "Phone numbers and
//     email addresses only become active aliases for a user after your user
//     verifies" them, and a value is verified in one account only (takeAlias
//     keeps it so). ASSUMED: federated users, who never sign in through the
//     API, hold no alias.
func (s *Server) lookup(name string) *user {
	if name == "" {
		return nil
	}
	if u, ok := s.users[name]; ok {
		return u
	}
	if s.cfg.UsernameCaseInsensitive {
		for _, u := range s.users {
			if strings.EqualFold(u.username, name) {
				return u
			}
		}
	}
	if s.emailIsUsername() {
		for _, u := range s.users {
			if s.sameName(u.attrs["email"], name) {
				return u
			}
		}
	}
	if s.emailIsAlias() {
		for _, u := range s.users {
			if !u.external && u.attrs["email_verified"] == "true" && s.sameName(u.attrs["email"], name) {
				return u
			}
		}
	}
	return nil
}

// codeTTL: DOCUMENTED: confirmation codes are valid for 24 hours
// ("Signing up and confirming user accounts").
const codeTTL = 24 * time.Hour

// SeedUser creates a user as AdminCreateUser followed by
// AdminSetUserPassword with Permanent=true would, and returns its sub.
func (s *Server) SeedUser(username, password string, attrs map[string]string, confirmed bool) (string, error) {
	if password == "" {
		return "", fmt.Errorf("localcognito: empty password")
	}
	u, aerr := s.newUser(username, attrs)
	if aerr != nil {
		return "", aerr
	}
	v, err := s.newVerifier(u.username, password)
	if err != nil {
		return "", err
	}
	u.verifier = v
	u.confirmed = confirmed
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lookup(username) != nil || (u.attrs["email"] != "" && s.emailIsUsername() && s.lookup(u.attrs["email"]) != nil) {
		return "", fmt.Errorf("localcognito: user %q exists", username)
	}
	if u.attrs["email_verified"] == "true" && s.aliasHolder(u, u.attrs["email"]) != nil {
		return "", fmt.Errorf("localcognito: another user has the verified email of %q", username)
	}
	if !confirmed {
		u.code, u.codeUntil = newCode(), s.now().Add(codeTTL)
	}
	s.users[u.username] = u
	return u.sub, nil
}

// newUser builds a user (not yet stored) for a sign-up name.
func (s *Server) newUser(name string, attrs map[string]string) (*user, *apiError) {
	if name == "" {
		return nil, errf(eInvalidParameter, "1 validation error detected: Value at 'username' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	sub := newUUID()
	now := s.now()
	u := &user{username: name, sub: sub, attrs: map[string]string{}, created: now, modified: now}
	for k, v := range attrs {
		u.attrs[k] = v
	}
	u.attrs["sub"] = sub
	isEmail := false
	if a, err := mail.ParseAddress(name); err == nil && a.Address == name {
		isEmail = true
	}
	if s.emailIsUsername() {
		// DOCUMENTED: "Customizing sign-in attributes": with email as
		// username, the username must be an email address and Cognito
		// generates a persistent UUID username (the sub).
		if !isEmail {
			return nil, errf(eInvalidParameter, "Username should be an email.")
		}
		u.username = sub
		u.attrs["email"] = name
	}
	if s.emailIsAlias() && isEmail {
		// DOCUMENTED ("Customizing sign-in attributes"): "If you select
		// email address as an alias, Amazon Cognito doesn't accept a user
		// name that matches a valid email address format". REPORTED (the
		// message Cognito users quote).
		return nil, errf(eInvalidParameter, "Username cannot be of email format, since user pool is configured for email alias.")
	}
	return u, nil
}

func newCode() string {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		panic(err)
	}
	return fmt.Sprintf("%06d", n.Int64())
}

// ConfirmationCode is the pending sign-up confirmation code of username (the
// name it signs in with), "" if none. It stands in for the email Cognito
// would send; for tests and the local demo only.
func (s *Server) ConfirmationCode(username string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.lookup(username); u != nil && !u.confirmed {
		return u.code
	}
	return ""
}

// writable reports whether client c may write attribute name.
// DOCUMENTED: CreateUserPoolClient, WriteAttributes: "When you don't
// specify the WriteAttributes for your app client, your app can write the
// values of the Standard attributes of your user pool"; custom attributes
// must be mutable. sub is never writable.
func (s *Server) writable(c *Client, name string) bool {
	if name == "sub" {
		return false
	}
	if strings.HasPrefix(name, "custom:") {
		mutable, ok := s.cfg.CustomAttributes[strings.TrimPrefix(name, "custom:")]
		if !ok || !mutable {
			return false
		}
	}
	if c.WriteAttributes == nil {
		return true
	}
	return slices.Contains(c.WriteAttributes, name)
}

// readable reports whether client c may read attribute name (sub always).
func readable(c *Client, name string) bool {
	if c.ReadAttributes == nil || name == "sub" {
		return true
	}
	return slices.Contains(c.ReadAttributes, name)
}

// checkWrite enforces the client's write list on attrs.
// DOCUMENTED (message observed by Cognito users and reported in AWS SDK
// issues): NotAuthorizedException "A client attempted to write
// unauthorized attribute".
func (s *Server) checkWrite(c *Client, attrs []attributeType) (map[string]string, *apiError) {
	m := map[string]string{}
	for _, a := range attrs {
		if a.Name == "" {
			return nil, errf(eInvalidParameter, "Attribute name must not be empty")
		}
		if strings.HasPrefix(a.Name, "custom:") {
			if _, ok := s.cfg.CustomAttributes[strings.TrimPrefix(a.Name, "custom:")]; !ok {
				return nil, errf(eInvalidParameter, "Attributes did not conform to the schema: Type for attribute {%s} could not be determined", a.Name)
			}
		}
		if !s.writable(c, a.Name) {
			return nil, &apiError{Type: eNotAuthorized, Message: "A client attempted to write unauthorized attribute", reason: "write refused: " + a.Name}
		}
		m[a.Name] = a.Value
	}
	return m, nil
}

type signUpInput struct {
	clientRef
	Username       string            `json:"Username"`
	Password       string            `json:"Password"`
	SecretHash     string            `json:"SecretHash"`
	UserAttributes []attributeType   `json:"UserAttributes"`
	ValidationData []attributeType   `json:"ValidationData"`
	ClientMetadata map[string]string `json:"ClientMetadata"`
}

// emailDelivery is where a code for u goes: its email address, masked, or
// nil when u has none. Callers hold s.mu or own u.
func emailDelivery(u *user) *codeDeliveryDetails {
	em := u.attrs["email"]
	if em == "" {
		return nil
	}
	return &codeDeliveryDetails{AttributeName: "email", DeliveryMedium: "EMAIL", Destination: maskEmail(em)}
}

// setAttributes writes set to u's attributes. A changed email or phone
// number is unverified unless set also holds its *_verified attribute.
// Callers hold s.mu.
func setAttributes(u *user, set map[string]string) {
	for k, v := range set {
		if k == "email" && u.attrs[k] != v && set["email_verified"] == "" {
			u.attrs["email_verified"] = "false"
		}
		if k == "phone_number" && u.attrs[k] != v && set["phone_number_verified"] == "" {
			u.attrs["phone_number_verified"] = "false"
		}
		u.attrs[k] = v
	}
}

type codeDeliveryDetails struct {
	AttributeName  string `json:"AttributeName,omitempty"`
	DeliveryMedium string `json:"DeliveryMedium,omitempty"`
	Destination    string `json:"Destination,omitempty"`
}

type signUpOutput struct {
	UserConfirmed       bool                 `json:"UserConfirmed"`
	UserSub             string               `json:"UserSub"`
	CodeDeliveryDetails *codeDeliveryDetails `json:"CodeDeliveryDetails,omitempty"`
}

func maskEmail(e string) string {
	at := strings.LastIndex(e, "@")
	if at < 1 {
		return "***"
	}
	return e[:1] + "***@" + e[at+1:at+2] + "***"
}

func opSignUp(ctx context.Context, s *Server, body []byte) (any, *apiError, string) {
	in, c, e, id := decodeClientOp[signUpInput](s, body)
	if e != nil {
		return nil, e, id
	}
	if s.cfg.AllowAdminCreateUserOnly {
		// DOCUMENTED (AdminCreateUserConfigType): AllowAdminCreateUserOnly
		// "Set to True if only the administrator is allowed to create user
		// profiles". REPORTED (the reply Cognito users quote, e.g.
		// aws-amplify/amplify-js issue 6415): NotAuthorizedException
		// "SignUp is not permitted for this user pool".
		return nil, &apiError{Type: eNotAuthorized, Message: "SignUp is not permitted for this user pool", reason: "AllowAdminCreateUserOnly"}, c.ID
	}
	if e := checkUsername(in.Username); e != nil {
		return nil, e, c.ID
	}
	if e := s.checkNewPassword(in.Password); e != nil {
		return nil, e, c.ID
	}
	attrs, e := s.checkWrite(c, in.UserAttributes)
	if e != nil {
		return nil, e, c.ID
	}
	u, e := s.newUser(in.Username, attrs)
	if e != nil {
		return nil, e, c.ID
	}
	if e := s.missingRequired(u.attrs); e != nil {
		return nil, e, c.ID
	}
	s.mu.Lock()
	exists := s.lookup(in.Username) != nil
	s.mu.Unlock()
	if exists {
		msg := "User already exists"
		if s.emailIsUsername() {
			msg = "An account with the given email already exists."
		}
		return nil, errf(eUsernameExists, "%s", msg), c.ID
	}
	var autoConfirm, autoVerifyEmail, autoVerifyPhone bool
	if s.has(SlotPreSignUp) {
		var ev PreSignUpEvent
		ev.EventHeader = s.header(srcPreSignUp, u.username, c.ID)
		ev.Request.UserAttributes = u.attributes()
		ev.Request.ValidationData = map[string]string{}
		for _, a := range in.ValidationData {
			ev.Request.ValidationData[a.Name] = a.Value
		}
		// DOCUMENTED: SignUp API reference, ClientMetadata reaches the pre
		// sign-up trigger (and custom message, post confirmation).
		ev.Request.ClientMetadata = in.ClientMetadata
		if e := s.invoke(ctx, SlotPreSignUp, &ev); e != nil {
			// DOCUMENTED: "Pre sign-up Lambda trigger": an error from the
			// function refuses the sign-up.
			return nil, e, c.ID
		}
		autoConfirm = ev.Response.AutoConfirmUser
		autoVerifyEmail = ev.Response.AutoVerifyEmail
		autoVerifyPhone = ev.Response.AutoVerifyPhone
	}
	v, err := s.newVerifier(u.username, in.Password)
	if err != nil {
		return nil, &apiError{Type: eInternal, Message: "Internal error", reason: "verifier: " + err.Error()}, c.ID
	}
	u.verifier = v
	u.confirmed = autoConfirm
	// DOCUMENTED: "Pre sign-up Lambda trigger": autoVerifyEmail and
	// autoVerifyPhone take effect only together with autoConfirmUser.
	if autoConfirm && autoVerifyEmail && u.attrs["email"] != "" {
		u.attrs["email_verified"] = "true"
	}
	if autoConfirm && autoVerifyPhone && u.attrs["phone_number"] != "" {
		u.attrs["phone_number_verified"] = "true"
	}
	s.mu.Lock()
	if s.lookup(in.Username) != nil {
		s.mu.Unlock()
		return nil, errf(eUsernameExists, "User already exists"), c.ID
	}
	if !u.confirmed {
		u.code, u.codeUntil = newCode(), s.now().Add(codeTTL)
	}
	s.users[u.username] = u
	s.mu.Unlock()
	out := signUpOutput{UserConfirmed: u.confirmed, UserSub: u.sub}
	if !u.confirmed {
		s.log.Info("confirmation code issued (deliver with ConfirmationCode)", "op", "SignUp", "client", c.ID, "user", u.username)
		out.CodeDeliveryDetails = emailDelivery(u)
	}
	return out, nil, c.ID
}

type confirmSignUpInput struct {
	clientRef
	Username           string            `json:"Username"`
	ConfirmationCode   string            `json:"ConfirmationCode"`
	ForceAliasCreation bool              `json:"ForceAliasCreation"`
	ClientMetadata     map[string]string `json:"ClientMetadata"`
}

func opConfirmSignUp(ctx context.Context, s *Server, body []byte) (any, *apiError, string) {
	in, c, e, id := decodeClientOp[confirmSignUpInput](s, body)
	if e != nil {
		return nil, e, id
	}
	s.mu.Lock()
	u := s.lookup(in.Username)
	if u == nil {
		s.mu.Unlock()
		if hidesUsers(c) {
			// ASSUMED ("Managing user existence error responses" lists
			// ConfirmSignUp's errors but not the unknown user's): answered
			// as a wrong code, as ConfirmForgotPassword documents.
			return nil, &apiError{Type: eCodeMismatch, Message: msgCodeInvalid, reason: "unknown user"}, c.ID
		}
		return nil, errUnknownUser(), c.ID
	}
	if u.confirmed {
		s.mu.Unlock()
		return nil, errf(eNotAuthorized, "User cannot be confirmed. Current status is CONFIRMED"), c.ID
	}
	if u.code == "" || subtle.ConstantTimeCompare([]byte(u.code), []byte(in.ConfirmationCode)) != 1 {
		s.mu.Unlock()
		return nil, errf(eCodeMismatch, "Invalid verification code provided, please try again."), c.ID
	}
	if s.now().After(u.codeUntil) {
		s.mu.Unlock()
		return nil, errf(eExpiredCode, "Invalid code provided, please request a code again."), c.ID
	}
	verifies := slices.Contains(s.cfg.AutoVerifiedAttributes, "email") && u.attrs["email"] != ""
	if verifies && s.aliasHolder(u, u.attrs["email"]) != nil {
		if !in.ForceAliasCreation {
			// DOCUMENTED ("Customizing sign-in attributes"; "Managing
			// user existence error responses", the Shirley example): the
			// valid code of a second account with a verified alias is
			// AliasExistsException; the user stays unconfirmed.
			s.mu.Unlock()
			return nil, errAliasExists(), c.ID
		}
		// DOCUMENTED (ConfirmSignUp, ForceAliasCreation): the alias moves.
		s.takeAlias(u, u.attrs["email"])
	}
	u.confirmed, u.code = true, ""
	// DOCUMENTED: AutoVerifiedAttributes: confirming with a code sent to
	// the email verifies the email.
	if verifies {
		u.attrs["email_verified"] = "true"
	}
	attrs := u.attributes()
	name := u.username
	s.mu.Unlock()
	if e := s.postConfirmation(ctx, name, c.ID, attrs, in.ClientMetadata); e != nil {
		// ASSUMED: the user stays confirmed; the call reports the error.
		return nil, e, c.ID
	}
	return struct{}{}, nil, c.ID
}

// postConfirmation runs the post confirmation trigger, when the pool has
// one, for the user name just confirmed (attrs), on behalf of clientID with
// the request's ClientMetadata md. DOCUMENTED: ConfirmSignUp and
// AdminConfirmSignUp invoke it with triggerSource
// PostConfirmation_ConfirmSignUp and the request's ClientMetadata.
func (s *Server) postConfirmation(ctx context.Context, name, clientID string, attrs, md map[string]string) *apiError {
	if !s.has(SlotPostConfirmation) {
		return nil
	}
	var ev PostConfirmationEvent
	ev.EventHeader = s.header(srcPostConfirmation, name, clientID)
	ev.Request.UserAttributes = attrs
	ev.Request.ClientMetadata = md
	return s.invoke(ctx, SlotPostConfirmation, &ev)
}

type resendInput struct {
	clientRef
	Username string `json:"Username"`
}

func opResendConfirmationCode(ctx context.Context, s *Server, body []byte) (any, *apiError, string) {
	in, c, e, id := decodeClientOp[resendInput](s, body)
	if e != nil {
		return nil, e, id
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.lookup(in.Username)
	if u == nil {
		if hidesUsers(c) {
			// DOCUMENTED ("Managing user existence error responses",
			// ResendConfirmationCode): CodeDeliveryDetails for a user that
			// doesn't exist.
			return codeDeliveryOutput{s.simulatedDelivery(in.Username)}, nil, c.ID
		}
		return nil, errUnknownUser(), c.ID
	}
	if u.confirmed {
		return nil, errf(eInvalidParameter, "User is already confirmed."), c.ID
	}
	u.code, u.codeUntil = newCode(), s.now().Add(codeTTL)
	s.log.Info("confirmation code issued (deliver with ConfirmationCode)", "op", "ResendConfirmationCode", "client", c.ID, "user", u.username)
	out := struct {
		CodeDeliveryDetails *codeDeliveryDetails `json:"CodeDeliveryDetails,omitempty"`
	}{}
	out.CodeDeliveryDetails = emailDelivery(u)
	return out, nil, c.ID
}

type accessTokenInput struct {
	AccessToken    string            `json:"AccessToken"`
	UserAttributes []attributeType   `json:"UserAttributes"`
	ClientMetadata map[string]string `json:"ClientMetadata"`
}

func opGetUser(ctx context.Context, s *Server, body []byte) (any, *apiError, string) {
	var in accessTokenInput
	u, c, e := s.selfServiceUser(body, &in, &in.AccessToken)
	if e != nil {
		return nil, e, ""
	}
	s.mu.Lock()
	attrs := u.attributes()
	name := u.username
	preferred, mfaList := u.mfaSettings()
	s.mu.Unlock()
	out := struct {
		Username       string          `json:"Username"`
		UserAttributes []attributeType `json:"UserAttributes"`
		// MFA (mfa.go, mfaSettings). ASSUMED: absent when the user has
		// none (Amplify v6's fetchMFAPreference reads both as optional).
		PreferredMfaSetting string   `json:"PreferredMfaSetting,omitempty"`
		UserMFASettingList  []string `json:"UserMFASettingList,omitempty"`
	}{Username: name, UserAttributes: []attributeType{}, PreferredMfaSetting: preferred, UserMFASettingList: mfaList}
	keys := make([]string, 0, len(attrs))
	for k := range attrs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		// REPORTED by Cognito users (not documented on the GetUser page):
		// GetUser returns only the attributes the app client may read.
		if readable(c, k) {
			out.UserAttributes = append(out.UserAttributes, attributeType{Name: k, Value: attrs[k]})
		}
	}
	return out, nil, c.ID
}

func opUpdateUserAttributes(ctx context.Context, s *Server, body []byte) (any, *apiError, string) {
	var in accessTokenInput
	u, c, e := s.selfServiceUser(body, &in, &in.AccessToken)
	if e != nil {
		return nil, e, ""
	}
	if len(in.UserAttributes) == 0 {
		return nil, errf(eInvalidParameter, "1 validation error detected: Value null at 'userAttributes' failed to satisfy constraint: Member must not be null"), c.ID
	}
	set, e := s.checkWrite(c, in.UserAttributes)
	if e != nil {
		return nil, e, c.ID
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// DOCUMENTED: UpdateUserAttributes: a changed email is unverified
	// until the user confirms it with a code, or, with email in
	// AttributesRequireVerificationBeforeUpdate, pending (updateAttributes).
	d, e := s.updateAttributes(u, set)
	if e != nil {
		return nil, e, c.ID
	}
	out := struct {
		CodeDeliveryDetailsList []codeDeliveryDetails `json:"CodeDeliveryDetailsList"`
	}{CodeDeliveryDetailsList: []codeDeliveryDetails{}}
	if d != nil {
		out.CodeDeliveryDetailsList = append(out.CodeDeliveryDetailsList, *d)
	}
	return out, nil, c.ID
}

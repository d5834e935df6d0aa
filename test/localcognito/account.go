package localcognito

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Users and accounts: the pool settings that decide who a name is (case,
// the email alias), who may sign up and with what password, what an unknown
// user is told (PreventUserExistenceErrors), and the account operations a
// signed-up user needs: ForgotPassword / ConfirmForgotPassword,
// ChangePassword, GetUserAttributeVerificationCode / VerifyUserAttribute.

func init() {
	for name, f := range map[string]opFunc{
		"ForgotPassword":                   opForgotPassword,
		"ConfirmForgotPassword":            opConfirmForgotPassword,
		"ChangePassword":                   opChangePassword,
		"GetUserAttributeVerificationCode": opGetUserAttributeVerificationCode,
		"VerifyUserAttribute":              opVerifyUserAttribute,
	} {
		ops[name] = f
	}
}

// Error types of the account operations (API reference names).
const (
	eAliasExists   = "AliasExistsException"
	msgCodeInvalid = "Invalid verification code provided, please try again."
	msgCodeExpired = "Invalid code provided, please request a code again."
)

// Purposes of PendingCode.
const (
	// PurposeSignUp is the sign-up confirmation code (ConfirmSignUp), the
	// same as ConfirmationCode.
	PurposeSignUp = "SignUp"
	// PurposeForgotPassword is ForgotPassword's code (ConfirmForgotPassword).
	PurposeForgotPassword = "ForgotPassword"
	// PurposeVerifyEmail is the code that verifies the email (or the pending
	// new email) with VerifyUserAttribute.
	PurposeVerifyEmail = "VerifyEmail"
)

// pendingCode is a code the endpoint "sent" and waits for.
type pendingCode struct {
	code  string
	until time.Time
}

// checkAccountConfig refuses the settings of cfg the endpoint cannot honour,
// naming each (the rule of test/localcognito: honour a setting or refuse to
// start).
func checkAccountConfig(cfg *Config) error {
	for _, a := range cfg.AliasAttributes {
		if a != "email" {
			return fmt.Errorf("localcognito: AliasAttributes %q: only the email alias is supported", a)
		}
	}
	if len(cfg.AliasAttributes) > 0 && len(cfg.UsernameAttributes) > 0 {
		// DOCUMENTED: CreateUserPool: AliasAttributes and UsernameAttributes
		// are mutually exclusive ("Customizing sign-in attributes": choose
		// one of the two options).
		return fmt.Errorf("localcognito: AliasAttributes %v and UsernameAttributes %v: a pool has one or the other", cfg.AliasAttributes, cfg.UsernameAttributes)
	}
	if p := cfg.PasswordPolicy; p != nil {
		// DOCUMENTED ("Adding user pool password requirements"): a minimum
		// length of at least 6 and at most 99 characters.
		if p.MinimumLength < 6 || p.MinimumLength > 99 {
			return fmt.Errorf("localcognito: PasswordPolicy.MinimumLength %d is not 6..99", p.MinimumLength)
		}
		if p.PasswordHistorySize != 0 {
			return fmt.Errorf("localcognito: PasswordPolicy.PasswordHistorySize %d: password reuse is not tracked locally", p.PasswordHistorySize)
		}
	}
	for _, a := range cfg.AttributesRequireVerificationBeforeUpdate {
		if a != "email" {
			return fmt.Errorf("localcognito: UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate %q: only email is supported (no SMS)", a)
		}
		// DOCUMENTED (UserAttributeUpdateSettingsType): an attribute in
		// this list must also be in AutoVerifiedAttributes.
		if !slices.Contains(cfg.AutoVerifiedAttributes, a) {
			return fmt.Errorf("localcognito: UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate %q is not in AutoVerifiedAttributes %v", a, cfg.AutoVerifiedAttributes)
		}
	}
	for _, m := range cfg.AccountRecovery {
		if m != "verified_email" {
			return fmt.Errorf("localcognito: AccountRecoverySetting mechanism %q: only verified_email is supported", m)
		}
	}
	for _, c := range cfg.Clients {
		switch c.PreventUserExistenceErrors {
		case "", "ENABLED", "LEGACY":
		default:
			return fmt.Errorf("localcognito: client %s: PreventUserExistenceErrors %q is not ENABLED or LEGACY", c.ID, c.PreventUserExistenceErrors)
		}
	}
	return nil
}

func (s *Server) emailIsAlias() bool { return slices.Contains(s.cfg.AliasAttributes, "email") }

// sameName compares two user names (or email aliases) as the pool does.
// DOCUMENTED (CreateUserPool, UsernameConfiguration): with CaseSensitive
// false, "users can sign in using username, USERNAME, or UserName", and the
// email alias is case insensitive too.
func (s *Server) sameName(a, b string) bool {
	if s.cfg.UsernameCaseInsensitive {
		return strings.EqualFold(a, b)
	}
	return a == b
}

// hidesUsers reports whether client c hides whether a user exists.
// DOCUMENTED ("Managing user existence error responses"):
// PreventUserExistenceErrors ENABLED; LEGACY, the API default, answers
// UserNotFoundException.
func hidesUsers(c *Client) bool { return c.PreventUserExistenceErrors == "ENABLED" }

// errUnknownUser is LEGACY's answer for an unknown user in the operations
// that take a client id (message as Cognito users report it).
func errUnknownUser() *apiError {
	return &apiError{Type: eUserNotFound, Message: "Username/client id combination not found.", reason: "unknown user"}
}

// fakeIdentity is what an unknown name shows when the client hides users:
// an internal id in UUID format and a salt, both the same at every attempt
// for the same name and pool. DOCUMENTED ("Managing user existence error
// responses", SRP: "Amazon Cognito returns the same salt and an internal
// user ID in UUID format for the same user name and user pool
// combination"). They are HMACs under the server's random key, so they
// reveal nothing and do not repeat across servers.
func (s *Server) fakeIdentity(name string) (id string, salt []byte) {
	if s.cfg.UsernameCaseInsensitive {
		name = strings.ToLower(name)
	}
	m := hmac.New(sha256.New, s.decoyKey)
	m.Write([]byte("user\x00" + name))
	b := m.Sum(nil)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:16])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], b[16:32]
}

// simulatedDelivery is the CodeDeliveryDetails an unknown (or undeliverable)
// user gets when the client hides users. DOCUMENTED ("Managing user
// existence error responses"): "a simulated delivery medium ... determined
// by the input user name format and verification settings of the user
// pool". ASSUMED: an email-shaped name is masked as the address; another
// name gets an email-shaped destination derived from it (the pools here
// deliver by email only).
func (s *Server) simulatedDelivery(name string) *codeDeliveryDetails {
	dest := name
	if a, err := mail.ParseAddress(name); err != nil || a.Address != name {
		id, _ := s.fakeIdentity(name)
		first, _ := utf8.DecodeRuneInString(name)
		dest = string(first) + "@" + id[:1] + ".com"
	}
	return &codeDeliveryDetails{AttributeName: "email", DeliveryMedium: "EMAIL", Destination: maskEmail(dest)}
}

// usernamePattern and the length 1..128: DOCUMENTED: the API model's
// UsernameType (SignUp, Username: "Pattern: [\p{L}\p{M}\p{S}\p{N}\p{P}]+",
// "Length Constraints: Minimum length of 1. Maximum length of 128").
var usernamePattern = regexp.MustCompile(`^[\p{L}\p{M}\p{S}\p{N}\p{P}]+$`)

func checkUsername(name string) *apiError {
	if n := utf8.RuneCountInString(name); n < 1 || n > 128 {
		return errf(eInvalidParameter, "1 validation error detected: Value at 'username' failed to satisfy constraint: Member must have length less than or equal to 128")
	}
	if !usernamePattern.MatchString(name) {
		return errf(eInvalidParameter, "1 validation error detected: Value at 'username' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+")
	}
	return nil
}

// policySymbols: DOCUMENTED ("Adding user pool password requirements"):
// the special characters ^ $ * . [ ] { } ( ) ? " ! @ # % & / \ , > < ' : ; | _ ~ ` = + -
// and "the space character is also treated as a special character".
const policySymbols = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- "

// maxPassword: DOCUMENTED: "Amazon Cognito passwords can be up to 256
// characters in length" (and the API model's PasswordType).
const maxPassword = 256

// checkNewPassword applies the pool's policy to a new password.
// DOCUMENTED ("Adding user pool password requirements"): minimum length,
// and at least one number, special character, uppercase and lowercase
// Basic Latin letter as the policy requires. REPORTED (the messages apps
// match, e.g. "InvalidPasswordException: Password did not conform with
// policy: Password must have uppercase characters"): one message per rule.
// ASSUMED: the rules are checked in this order and the first that fails is
// reported; length counts characters.
func (s *Server) checkNewPassword(pw string) *apiError {
	n := utf8.RuneCountInString(pw)
	if n == 0 {
		return errf(eInvalidParameter, "1 validation error detected: Value at 'password' failed to satisfy constraint: Member must not be null")
	}
	if n > maxPassword {
		return errf(eInvalidParameter, "1 validation error detected: Value at 'password' failed to satisfy constraint: Member must have length less than or equal to %d", maxPassword)
	}
	p := s.cfg.PasswordPolicy
	if p == nil {
		p = &PasswordPolicy{MinimumLength: 6}
	}
	bad := func(why string) *apiError {
		return &apiError{Type: eInvalidPassword, Message: "Password did not conform with policy: " + why, reason: "password policy: " + why}
	}
	if n < p.MinimumLength {
		return bad("Password not long enough")
	}
	rules := []struct {
		on   bool
		has  func(r rune) bool
		what string
	}{
		{p.RequireUppercase, func(r rune) bool { return 'A' <= r && r <= 'Z' }, "Password must have uppercase characters"},
		{p.RequireLowercase, func(r rune) bool { return 'a' <= r && r <= 'z' }, "Password must have lowercase characters"},
		{p.RequireNumbers, func(r rune) bool { return '0' <= r && r <= '9' }, "Password must have numeric characters"},
		{p.RequireSymbols, func(r rune) bool { return strings.ContainsRune(policySymbols, r) }, "Password must have symbol characters"},
	}
	for _, rule := range rules {
		if rule.on && !strings.ContainsFunc(pw, rule.has) {
			return bad(rule.what)
		}
	}
	return nil
}

// missingRequired returns the first (sorted) required schema attribute attrs
// lack. DOCUMENTED ("User pool attributes", standard attributes: a required
// attribute must have a value at sign-up). REPORTED (the message Cognito
// users see): "Attributes did not conform to the schema: <name>: The
// attribute is required".
func (s *Server) missingRequired(attrs map[string]string) *apiError {
	req := slices.Clone(s.cfg.RequiredAttributes)
	slices.Sort(req)
	for _, a := range req {
		if attrs[a] == "" {
			return errf(eInvalidParameter, "Attributes did not conform to the schema: %s: The attribute is required", a)
		}
	}
	return nil
}

// timestampPattern is SRP's TIMESTAMP: "EEE MMM d HH:mm:ss z yyyy" in
// English (REPORTED: amazon-cognito-identity-js issue 683 and
// NabuCasa/pycognito issue 122, the error "TIMESTAMP format should be EEE
// MMM d HH:mm:ss z yyyy in english."): day of month of one or two digits,
// hours, minutes and seconds of two. ASSUMED: the zone is UTC or GMT (every
// client sends UTC).
var timestampPattern = regexp.MustCompile(`^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ([0-9]{1,2}) ([0-9]{2}):([0-9]{2}):([0-9]{2}) (UTC|GMT) ([0-9]{4})$`)

// canonicalTimestamp checks a PASSWORD_VERIFIER TIMESTAMP and returns the
// form the signature is checked over: the clients' own (day not padded,
// "UTC"). REPORTED (qwigo/warrant pull request 12): a client that padded
// the day ("Wed Apr 05 ...") and signed what it sent got "Incorrect
// username or password.", so Cognito verifies the signature over its own
// rendering of the parsed time, not over the string as sent.
func canonicalTimestamp(ts string) (string, *apiError) {
	bad := &apiError{Type: eInvalidParameter, Message: "TIMESTAMP format should be EEE MMM d HH:mm:ss z yyyy in english.", reason: "malformed TIMESTAMP"}
	m := timestampPattern.FindStringSubmatch(ts)
	if m == nil {
		return "", bad
	}
	t, err := time.Parse("Jan 2 15:04:05 2006", m[2]+" "+m[3]+" "+m[4]+":"+m[5]+":"+m[6]+" "+m[8])
	if err != nil || t.Weekday().String()[:3] != m[1] {
		return "", bad
	}
	return t.Format("Mon Jan 2 15:04:05 UTC 2006"), nil
}

// issueCode files a new code of purpose for u. Callers hold s.mu.
func (s *Server) issueCode(u *user, purpose string) {
	if u.codes == nil {
		u.codes = map[string]pendingCode{}
	}
	u.codes[purpose] = pendingCode{code: newCode(), until: s.now().Add(codeTTL)}
}

// takeCode checks code against u's pending code of purpose and consumes it
// on success. DOCUMENTED ("Managing user existence error responses",
// ConfirmForgotPassword): no code requested is ExpiredCodeException; a
// wrong code CodeMismatchException. Callers hold s.mu.
func (s *Server) takeCode(u *user, purpose, code string, consume bool) *apiError {
	pc, ok := u.codes[purpose]
	if !ok {
		return &apiError{Type: eExpiredCode, Message: msgCodeExpired, reason: "no code requested"}
	}
	if subtle.ConstantTimeCompare([]byte(pc.code), []byte(code)) != 1 {
		return &apiError{Type: eCodeMismatch, Message: msgCodeInvalid, reason: "wrong code"}
	}
	if s.now().After(pc.until) {
		return &apiError{Type: eExpiredCode, Message: msgCodeExpired, reason: "code expired"}
	}
	if consume {
		delete(u.codes, purpose)
	}
	return nil
}

// PendingCode is the code the endpoint would have sent to username (the
// name it signs in with) for purpose (PurposeSignUp, PurposeForgotPassword,
// PurposeVerifyEmail), "" if none. It stands in for the user's mailbox; for
// tests and the local demo only. Codes are never logged.
func (s *Server) PendingCode(username, purpose string) string {
	if purpose == PurposeSignUp {
		return s.ConfirmationCode(username)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.lookup(username); u != nil {
		return u.codes[purpose].code
	}
	return ""
}

// aliasHolder is the other native user whose verified email is email, if
// any. Callers hold s.mu.
func (s *Server) aliasHolder(u *user, email string) *user {
	if !s.emailIsAlias() || email == "" {
		return nil
	}
	for _, o := range s.users {
		if o != u && !o.external && o.attrs["email_verified"] == "true" && s.sameName(o.attrs["email"], email) {
			return o
		}
	}
	return nil
}

// takeAlias makes u the one user whose verified email is email: any other
// holder's email becomes unverified. DOCUMENTED ("Customizing sign-in
// attributes"): alias values are unique, "the value ... can be in a verified
// state in only one account"; "Only the last user who has verified the
// attribute can sign in with it", and forceAliasCreation "marks the
// attribute unverified in the previous account". Callers hold s.mu.
func (s *Server) takeAlias(u *user, email string) {
	if o := s.aliasHolder(u, email); o != nil {
		o.attrs["email_verified"] = "false"
		o.modified = s.now()
	}
}

// errAliasExists: DOCUMENTED ("Managing user existence error responses",
// the ConfirmSignUp example): "An account with the email already exists.".
func errAliasExists() *apiError {
	return &apiError{Type: eAliasExists, Message: "An account with the email already exists.", reason: "email alias held by another user"}
}

// updateAttributes writes set (already checked against the write list or
// the admin rules) to u, as UpdateUserAttributes and
// AdminUpdateUserAttributes do, and returns where a verification code went
// (nil when none). Callers hold s.mu.
//
//   - DOCUMENTED ("Verifying updates to email addresses and phone numbers";
//     UserAttributeUpdateSettingsType; AdminUpdateUserAttributes): with email
//     in AttributesRequireVerificationBeforeUpdate, a changed email is not
//     written: the original stays the active, verified value (for sign-in and
//     messages) until the user verifies the new one with the code sent to
//     it; an administrator who also sets email_verified=true updates it at
//     once.
//   - Without it, a changed email is written unverified (setAttributes).
//   - DOCUMENTED (UpdateUserAttributes): when email is auto-verified, a code
//     goes to the new address (CodeDeliveryDetailsList).
//   - With email as user name, an email another user has is refused
//     (DOCUMENTED, "Customizing sign-in attributes": "If the email address
//     ... isn't already in use, it becomes the new user name").
func (s *Server) updateAttributes(u *user, set map[string]string) (*codeDeliveryDetails, *apiError) {
	email, changes := set["email"]
	changes = changes && email != u.attrs["email"]
	if changes && s.emailIsUsername() {
		if o := s.lookup(email); o != nil && o != u {
			return nil, &apiError{Type: eAliasExists, Message: "An account with the given email already exists.", reason: "email in use"}
		}
	}
	target := u.attrs["email"]
	if changes {
		target = email
	}
	if set["email_verified"] == "true" && u.attrs["email_verified"] != "true" || changes && set["email_verified"] == "true" {
		if s.aliasHolder(u, target) != nil {
			// DOCUMENTED: AliasExistsException is an error of
			// AdminUpdateUserAttributes: the alias is not taken silently.
			return nil, errAliasExists()
		}
	}
	pending := changes && set["email_verified"] != "true" && slices.Contains(s.cfg.AttributesRequireVerificationBeforeUpdate, "email")
	if pending {
		set = maps(set)
		delete(set, "email")
		u.pendingEmail = email
	} else if changes {
		u.pendingEmail = ""
	}
	setAttributes(u, set)
	u.modified = s.now()
	if !changes || set["email_verified"] == "true" || !slices.Contains(s.cfg.AutoVerifiedAttributes, "email") {
		return nil, nil
	}
	s.issueCode(u, PurposeVerifyEmail)
	s.log.Info("verification code issued (deliver with PendingCode)", "user", u.username, "purpose", PurposeVerifyEmail)
	return &codeDeliveryDetails{AttributeName: "email", DeliveryMedium: "EMAIL", Destination: maskEmail(email)}, nil
}

func maps(m map[string]string) map[string]string {
	c := make(map[string]string, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

type forgotPasswordInput struct {
	clientRef
	Username       string            `json:"Username"`
	SecretHash     string            `json:"SecretHash"`
	ClientMetadata map[string]string `json:"ClientMetadata"`
}

type codeDeliveryOutput struct {
	CodeDeliveryDetails *codeDeliveryDetails `json:"CodeDeliveryDetails,omitempty"`
}

// opForgotPassword sends a reset code to the user's verified email.
// DOCUMENTED (ForgotPassword API reference; AccountRecoverySetting): the
// code goes to the recovery mechanism of highest priority the user has
// verified; with none, InvalidParameterException "Cannot reset password
// for the user as there is no registered/verified email or phone_number"
// (message as Cognito users and moto report it). With
// PreventUserExistenceErrors ENABLED, an unknown user, or one without a
// verified delivery mechanism, gets simulated CodeDeliveryDetails
// (DOCUMENTED: "Managing user existence error responses", ForgotPassword).
func opForgotPassword(ctx context.Context, s *Server, body []byte) (any, *apiError, string) {
	in, c, e, id := decodeClientOp[forgotPasswordInput](s, body)
	if e != nil {
		return nil, e, id
	}
	if in.Username == "" {
		return nil, errf(eInvalidParameter, "1 validation error detected: Value null at 'username' failed to satisfy constraint: Member must not be null"), c.ID
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.lookup(in.Username)
	if u == nil || u.external {
		if hidesUsers(c) {
			return codeDeliveryOutput{s.simulatedDelivery(in.Username)}, nil, c.ID
		}
		return nil, errUnknownUser(), c.ID
	}
	if u.attrs["email"] == "" || u.attrs["email_verified"] != "true" {
		if hidesUsers(c) {
			return codeDeliveryOutput{s.simulatedDelivery(in.Username)}, nil, c.ID
		}
		return nil, &apiError{Type: eInvalidParameter, Message: "Cannot reset password for the user as there is no registered/verified email or phone_number", reason: "no verified email"}, c.ID
	}
	s.issueCode(u, PurposeForgotPassword)
	s.log.Info("password reset code issued (deliver with PendingCode)", "op", "ForgotPassword", "client", c.ID, "user", u.username)
	return codeDeliveryOutput{emailDelivery(u)}, nil, c.ID
}

type confirmForgotPasswordInput struct {
	clientRef
	Username         string            `json:"Username"`
	ConfirmationCode string            `json:"ConfirmationCode"`
	Password         string            `json:"Password"`
	SecretHash       string            `json:"SecretHash"`
	ClientMetadata   map[string]string `json:"ClientMetadata"`
}

// opConfirmForgotPassword sets a new password with ForgotPassword's code.
// DOCUMENTED: ConfirmForgotPassword API reference (the new password meets
// the pool's policy: InvalidPasswordException); "Managing user existence
// error responses": with ENABLED an unknown user is CodeMismatchException,
// no code requested ExpiredCodeException; "Post confirmation Lambda
// trigger": triggerSource PostConfirmation_ConfirmForgotPassword, with the
// request's ClientMetadata. ASSUMED: the code is checked before the
// password, and a refused password leaves the code usable.
func opConfirmForgotPassword(ctx context.Context, s *Server, body []byte) (any, *apiError, string) {
	in, c, e, id := decodeClientOp[confirmForgotPasswordInput](s, body)
	if e != nil {
		return nil, e, id
	}
	s.mu.Lock()
	u := s.lookup(in.Username)
	if u == nil || u.external {
		s.mu.Unlock()
		if hidesUsers(c) {
			return nil, &apiError{Type: eCodeMismatch, Message: msgCodeInvalid, reason: "unknown user"}, c.ID
		}
		return nil, errUnknownUser(), c.ID
	}
	if e := s.takeCode(u, PurposeForgotPassword, in.ConfirmationCode, false); e != nil {
		s.mu.Unlock()
		return nil, e, c.ID
	}
	s.mu.Unlock()
	if e := s.checkNewPassword(in.Password); e != nil {
		return nil, e, c.ID
	}
	v, err := s.newVerifier(u.username, in.Password)
	if err != nil {
		return nil, &apiError{Type: eInternal, Message: "Internal error", reason: "verifier: " + err.Error()}, c.ID
	}
	s.mu.Lock()
	if e := s.takeCode(u, PurposeForgotPassword, in.ConfirmationCode, true); e != nil {
		s.mu.Unlock()
		return nil, e, c.ID
	}
	u.verifier, u.modified = v, s.now()
	attrs, name := u.attributes(), u.username
	s.mu.Unlock()
	if s.has(SlotPostConfirmation) {
		var ev PostConfirmationEvent
		ev.EventHeader = s.header("PostConfirmation_ConfirmForgotPassword", name, c.ID)
		ev.Request.UserAttributes = attrs
		ev.Request.ClientMetadata = in.ClientMetadata
		if e := s.invoke(ctx, SlotPostConfirmation, &ev); e != nil {
			// ASSUMED: as ConfirmSignUp: the password stays changed, the
			// call reports the function's error.
			return nil, e, c.ID
		}
	}
	return struct{}{}, nil, c.ID
}

type changePasswordInput struct {
	AccessToken      string `json:"AccessToken"`
	PreviousPassword string `json:"PreviousPassword"`
	ProposedPassword string `json:"ProposedPassword"`
}

// opChangePassword: DOCUMENTED (ChangePassword API reference): the signed-in
// user (access token with aws.cognito.signin.user.admin) changes their
// password; the proposed one meets the policy (InvalidPasswordException);
// a wrong previous password is NotAuthorizedException ("Incorrect username
// or password.", the message of every wrong password). ASSUMED: the policy
// is checked first.
func opChangePassword(ctx context.Context, s *Server, body []byte) (any, *apiError, string) {
	var in changePasswordInput
	u, c, e := s.selfServiceUser(body, &in, &in.AccessToken)
	if e != nil {
		return nil, e, ""
	}
	if e := s.checkNewPassword(in.ProposedPassword); e != nil {
		return nil, e, c.ID
	}
	s.mu.Lock()
	ok := s.passwordMatches(u, in.PreviousPassword)
	name := u.username
	s.mu.Unlock()
	if !ok {
		return nil, &apiError{Type: eNotAuthorized, Message: msgIncorrectPassword, reason: "wrong previous password"}, c.ID
	}
	v, err := s.newVerifier(name, in.ProposedPassword)
	if err != nil {
		return nil, &apiError{Type: eInternal, Message: "Internal error", reason: "verifier: " + err.Error()}, c.ID
	}
	s.mu.Lock()
	u.verifier, u.modified = v, s.now()
	s.mu.Unlock()
	return struct{}{}, nil, c.ID
}

type attributeCodeInput struct {
	AccessToken    string            `json:"AccessToken"`
	AttributeName  string            `json:"AttributeName"`
	Code           string            `json:"Code"`
	ClientMetadata map[string]string `json:"ClientMetadata"`
}

// attributeCodeRequest decodes a request of the attribute verification
// operations and finds its user; clientID is known once the access token is
// ("" before).
func (s *Server) attributeCodeRequest(body []byte) (in attributeCodeInput, u *user, clientID string, e *apiError) {
	u, client, e := s.selfServiceUser(body, &in, &in.AccessToken)
	if e != nil {
		return in, nil, "", e
	}
	return in, u, client.ID, checkVerifiable(in.AttributeName)
}

// checkVerifiable: only email is verified locally (no SMS).
func checkVerifiable(name string) *apiError {
	if name == "" {
		return errf(eInvalidParameter, "1 validation error detected: Value null at 'attributeName' failed to satisfy constraint: Member must not be null")
	}
	if name != "email" {
		// LOCAL: phone_number would need SMS; other attributes are not
		// verifiable (ASSUMED message).
		return errf(eInvalidParameter, "Attribute %s cannot be verified by the local endpoint (email only)", name)
	}
	return nil
}

// opGetUserAttributeVerificationCode sends a code that verifies the
// user's email: the pending new address when an update waits for
// verification, else the current one. DOCUMENTED
// (GetUserAttributeVerificationCode API reference; "Verifying updates to
// email addresses and phone numbers"). ASSUMED: a user without an email is
// InvalidParameterException.
func opGetUserAttributeVerificationCode(ctx context.Context, s *Server, body []byte) (any, *apiError, string) {
	_, u, clientID, e := s.attributeCodeRequest(body)
	if e != nil {
		return nil, e, clientID
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	to := u.attrs["email"]
	if u.pendingEmail != "" {
		to = u.pendingEmail
	}
	if to == "" {
		return nil, errf(eInvalidParameter, "The user has no email to verify"), clientID
	}
	s.issueCode(u, PurposeVerifyEmail)
	s.log.Info("verification code issued (deliver with PendingCode)", "op", "GetUserAttributeVerificationCode", "client", clientID, "user", u.username)
	return codeDeliveryOutput{&codeDeliveryDetails{AttributeName: "email", DeliveryMedium: "EMAIL", Destination: maskEmail(to)}}, nil, clientID
}

// opVerifyUserAttribute checks the code and verifies the email.
// DOCUMENTED (VerifyUserAttribute API reference): "When successful, the
// user's attribute becomes verified"; "If your user pool requires
// verification before Amazon Cognito updates the attribute value, this
// operation updates the affected attribute to its pending value". The
// verified email becomes this user's alias (takeAlias).
func opVerifyUserAttribute(ctx context.Context, s *Server, body []byte) (any, *apiError, string) {
	in, u, clientID, e := s.attributeCodeRequest(body)
	if e != nil {
		return nil, e, clientID
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.takeCode(u, PurposeVerifyEmail, in.Code, true); e != nil {
		return nil, e, clientID
	}
	if u.pendingEmail != "" {
		if s.emailIsUsername() {
			if o := s.lookup(u.pendingEmail); o != nil && o != u {
				return nil, &apiError{Type: eAliasExists, Message: "An account with the given email already exists.", reason: "email in use"}, clientID
			}
		}
		u.attrs["email"], u.pendingEmail = u.pendingEmail, ""
	}
	s.takeAlias(u, u.attrs["email"])
	u.attrs["email_verified"] = "true"
	u.modified = s.now()
	return struct{}{}, nil, clientID
}

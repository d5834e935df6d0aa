// Package linking is the pre sign-up behaviour (contract.BehaviourLinking)
// that decides what happens to the first sign-in of a federated user whose
// verified email belongs to a native user of the pool.
//
// By default nothing is linked by email: a provider's word that an address
// is verified is not proof that the person signing in controls the native
// account. Such a sign-up is refused with ConnectMessage (sign in with your
// password, then connect the provider from your account; see
// lambdas/connect, which links only after a login on both sides). Only for
// a provider the app owner lists in Config.TrustedProviders is the sign-in
// linked automatically, and only when:
//   - the event's user name is "<provider>_<subject>" for a configured
//     provider (contract.EnvLinkProviders); the provider name passed to
//     AdminLinkProviderForUser is the configured one, never a literal;
//   - the provider asserts email_verified exactly "true" (the string
//     Cognito puts in userAttributes; "True", "1" or a missing value do not
//     count: no lookup, the sign-up proceeds as a separate user);
//   - the email is a plausible lookup value (ValidEmail; not trimmed);
//   - ListUsers, with an escaped filter for the email as given and its
//     ASCII lower-case form, yields exactly one native user (UserStatus not
//     EXTERNAL_PROVIDER) whose own email_verified is "true" and whose email
//     equals ignoring ASCII case only;
//   - that user has no identity of this provider yet and fewer than
//     Config.MaxIdentities identities;
//   - AdminGetUser shows that user without any MFA (UserMFASettingList,
//     PreferredMfaSetting and MFAOptions all empty): a link would let the
//     provider's sign-in skip the user's second factor.
//
// The same holds for a verified phone number (issue 18, Mosaic by phone):
// phone_number, or custom:idp_phone for a linkable provider, with its
// *_verified flag exactly "true", normalized to E.164 (lambdas/internal/e164;
// what cannot be normalized is not looked up: phone_invalid), looked up with
// an exact ListUsers filter on the normalized number, and kept only for a
// native user whose own phone_number is verified and normalizes to the same
// number. An event with both a verified email and a verified phone looks up
// both; every candidate of either counts.
//
// No candidate: the sign-up proceeds. A candidate for an untrusted
// provider, several candidates, an already linked provider, the identity
// limit, MFA or any AWS error: the sign-up is refused with a message for
// the user (presignup.UserError); AWS details go to the log as an error
// code only. After a successful link, afterLink decides what the sign-up
// does.
package linking

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/e164"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/emf"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/logref"
	"github.com/cognitobridge/cognitobridge/lambdas/presignup"
)

// Cognito is the part of the Cognito user pools API the behaviour uses;
// *cognitoidentityprovider.Client satisfies it.
type Cognito interface {
	ListUsers(ctx context.Context, in *cip.ListUsersInput, optFns ...func(*cip.Options)) (*cip.ListUsersOutput, error)
	AdminLinkProviderForUser(ctx context.Context, in *cip.AdminLinkProviderForUserInput, optFns ...func(*cip.Options)) (*cip.AdminLinkProviderForUserOutput, error)
	// AdminGetUser reads a trusted link's destination (its MFA settings).
	AdminGetUser(ctx context.Context, in *cip.AdminGetUserInput, optFns ...func(*cip.Options)) (*cip.AdminGetUserOutput, error)
}

var _ Cognito = (*cip.Client)(nil)

// Lookup bounds: ListUsers returns at most 60 users a page.
const (
	PageSize = 60
	MaxPages = 2
)

// Reason is the code logged for one decision.
type Reason string

// Reasons that let the sign-up proceed without a link.
const (
	ReasonNotExternal           Reason = "not_external_provider"
	ReasonProviderNotConfigured Reason = "provider_not_configured"
	ReasonEmailNotVerified      Reason = "email_not_verified"
	ReasonEmailInvalid          Reason = "email_invalid"
	ReasonPhoneNotVerified      Reason = "phone_not_verified"
	// ReasonPhoneInvalid: a phone the behaviour cannot normalize to E.164.
	ReasonPhoneInvalid Reason = "phone_invalid"
	ReasonNoCandidate  Reason = "no_candidate"
)

// Reasons that refuse the sign-up.
const (
	// ReasonConnectRequired: a native user has this verified email and the
	// provider is not trusted for email verification.
	ReasonConnectRequired Reason = "connect_required"
	// ReasonMFAEnabled: the one candidate of a trusted provider has MFA.
	ReasonMFAEnabled            Reason = "mfa_enabled"
	ReasonGetUserFailed         Reason = "get_user_failed"
	ReasonAmbiguousEmail        Reason = "ambiguous_email"
	ReasonAlreadyLinkedProvider Reason = "already_linked_provider"
	ReasonLinkLimit             Reason = "link_limit"
	ReasonIdentitiesMalformed   Reason = "identities_malformed"
	ReasonLinked                Reason = "linked"
	ReasonThrottled             Reason = "throttled"
	ReasonAWSLimitExceeded      Reason = "aws_limit_exceeded"
	ReasonAliasExists           Reason = "alias_exists"
	ReasonDestinationNotFound   Reason = "destination_not_found"
	ReasonListUsersFailed       Reason = "list_users_failed"
	ReasonLinkFailed            Reason = "link_failed"
	ReasonDeadlineExceeded      Reason = "deadline_exceeded"
	ReasonInternalError         Reason = "internal_error"
)

// Messages shown to the person signing up. They name no account, address
// or internal detail.
const (
	MsgAmbiguous     = "More than one account uses this email address, so this sign-in cannot be connected to one automatically. Sign in with your existing account, or contact support."
	MsgAlreadyLinked = "The account with this email address is already connected to another sign-in from this provider. Use that sign-in, or contact support."
	MsgLinkLimit     = "The account with this email address has reached the maximum number of connected sign-ins. Remove one, or contact support."
	MsgUnavailable   = "Your sign-in could not be completed right now. Please try again later."

	MsgAmbiguousPhone     = "More than one account uses this phone number, so this sign-in cannot be connected to one automatically. Sign in with your existing account, or contact support."
	MsgAlreadyLinkedPhone = "The account with this phone number is already connected to another sign-in from this provider. Use that sign-in, or contact support."
	MsgLinkLimitPhone     = "The account with this phone number has reached the maximum number of connected sign-ins. Remove one, or contact support."
)

// PhoneConnectMessage is ConnectMessage for a sign-up whose verified phone
// number (not its email) belongs to a native user.
func PhoneConnectMessage(provider string) string {
	return "An account with this phone number already exists. Sign in with your password, then connect " +
		provider + " from your account."
}

// ConnectMessage is the refusal of a sign-up that matches a native user
// without a trusted link: the person proves control of both accounts by
// signing in with their password and connecting provider from there.
// provider is the configured provider name (1..32 characters of the API's
// pattern, no markup).
func ConnectMessage(provider string) string {
	return "An account with this email address already exists. Sign in with your password, then connect " +
		provider + " from your account."
}

// Behaviour is the linking pre sign-up behaviour.
type Behaviour struct {
	client Cognito
	cfg    Config
	// Logger receives one JSON line per decision. Default: JSON to stderr.
	Logger *slog.Logger
}

var _ presignup.Behaviour = (*Behaviour)(nil)

// New returns the behaviour; cfg must pass Validate.
func New(client Cognito, cfg Config) (*Behaviour, error) {
	if client == nil {
		return nil, errors.New("linking: no Cognito client")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.Providers = append([]string(nil), cfg.Providers...)
	cfg.TrustedProviders = append([]string(nil), cfg.TrustedProviders...)
	return &Behaviour{client: client, cfg: cfg, Logger: slog.New(slog.NewJSONHandler(os.Stderr, nil))}, nil
}

// Name is contract.BehaviourLinking.
func (b *Behaviour) Name() string { return contract.BehaviourLinking }

// Apply decides, links when the rules allow it and logs one line. A
// non-nil error refuses the sign-up.
func (b *Behaviour) Apply(ctx context.Context, ev *presignup.Event) error {
	start := time.Now()
	d := b.decide(ctx, ev)
	b.log(ctx, d, ev, start)
	return d.err
}

// Decide is Apply without the log line: the reason and the refusal.
func (b *Behaviour) Decide(ctx context.Context, ev *presignup.Event) (Reason, error) {
	d := b.decide(ctx, ev)
	return d.reason, d.err
}

// decision is one outcome, with what the log line may carry.
type decision struct {
	reason     Reason
	err        error
	provider   string
	trusted    bool
	emailRef   string
	phoneRef   string
	candidates int
	awsCode    string
	linked     bool
}

func refuse(r Reason, msg string) error { return presignup.Refuse(string(r), msg) }

// decide runs the rules of the package comment in order: the event is a
// configured provider's, it carries a verified contact, the lookup finds
// exactly one candidate for a trusted provider, and that candidate may
// receive the link.
func (b *Behaviour) decide(ctx context.Context, ev *presignup.Event) (d decision) {
	defer func() {
		if r := recover(); r != nil {
			d = decision{reason: ReasonInternalError, err: refuse(ReasonInternalError, MsgUnavailable), provider: d.provider, emailRef: d.emailRef, phoneRef: d.phoneRef}
		}
	}()
	if ev == nil || ev.TriggerSource != presignup.TriggerExternalProvider {
		return decision{reason: ReasonNotExternal}
	}
	provider, subject, ok := ParseUserName(ev.UserName, b.cfg.Providers)
	if !ok {
		return decision{reason: ReasonProviderNotConfigured}
	}
	d.provider, d.trusted = provider, b.cfg.Trusted(provider)
	email, phone, reason := contactsOf(ev.Request.UserAttributes)
	if reason != "" {
		d.reason = reason
		return d
	}
	if email != "" {
		d.emailRef = EmailRef(email)
	}
	if phone != "" {
		d.phoneRef = PhoneRef(phone)
	}

	ctx, cancel := presignup.WithBudget(ctx)
	defer cancel()
	m, err := b.lookup(ctx, ev.UserPoolID, email, phone)
	if err != nil {
		d.reason, d.awsCode = classify(ctx, err, ReasonListUsersFailed)
		d.err = refuse(d.reason, MsgUnavailable)
		return d
	}
	d.candidates = len(m.cands)
	switch {
	case (m.overflow || len(m.cands) > 0) && !d.trusted:
		// The default: never link on the provider's word about an email
		// or a phone number.
		d.reason, d.err = ReasonConnectRequired, refuse(ReasonConnectRequired, m.msg(ConnectMessage(provider), PhoneConnectMessage(provider)))
		return d
	case m.overflow || len(m.cands) > 1:
		d.reason, d.err = ReasonAmbiguousEmail, refuse(ReasonAmbiguousEmail, m.msg(MsgAmbiguous, MsgAmbiguousPhone))
		return d
	case len(m.cands) == 0:
		d.reason = ReasonNoCandidate
		return d
	}
	return b.link(ctx, ev, subject, m, d)
}

// matches is what the lookup found: the candidates of the email and the
// phone together, whether a query overflowed, and whether the phone alone
// found them (then the refusals name the phone).
type matches struct {
	cands    []candidate
	overflow bool
	byPhone  bool
}

// msg picks the refusal naming the contact that found the candidates.
func (m matches) msg(byEmail, byPhoneNumber string) string {
	if m.byPhone {
		return byPhoneNumber
	}
	return byEmail
}

// lookup looks the email and the phone up (either may be "": not looked
// up) and merges their candidates.
func (b *Behaviour) lookup(ctx context.Context, poolID, email, phone string) (m matches, err error) {
	if email != "" {
		m.cands, m.overflow, err = b.candidates(ctx, poolID, email)
		if err != nil {
			return matches{}, err
		}
	}
	if phone != "" {
		c, o, err := b.phoneCandidates(ctx, poolID, phone)
		if err != nil {
			return matches{}, err
		}
		// The messages name the phone only when the email found no one.
		m.byPhone = len(m.cands) == 0 && !m.overflow && (len(c) > 0 || o)
		m.overflow = m.overflow || o
		for _, x := range c {
			if !slices.ContainsFunc(m.cands, func(y candidate) bool { return y.username == x.username }) {
				m.cands = append(m.cands, x)
			}
		}
	}
	return m, nil
}

// link checks the one candidate of a trusted provider (its identities,
// their limit, its MFA) and links the federated identity to it; d arrives
// with what the log line already carries.
func (b *Behaviour) link(ctx context.Context, ev *presignup.Event, subject string, m matches, d decision) decision {
	provider, dest := d.provider, m.cands[0]
	ids, err := parseIdentities(dest.attrs["identities"])
	if err != nil {
		d.reason, d.err = ReasonIdentitiesMalformed, refuse(ReasonIdentitiesMalformed, MsgUnavailable)
		return d
	}
	for _, id := range ids {
		if EqualFoldASCII(id.ProviderName, provider) {
			d.reason, d.err = ReasonAlreadyLinkedProvider, refuse(ReasonAlreadyLinkedProvider, m.msg(MsgAlreadyLinked, MsgAlreadyLinkedPhone))
			return d
		}
	}
	if len(ids) >= b.cfg.MaxIdentities {
		d.reason, d.err = ReasonLinkLimit, refuse(ReasonLinkLimit, m.msg(MsgLinkLimit, MsgLinkLimitPhone))
		return d
	}
	user, err := b.client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(ev.UserPoolID), Username: aws.String(dest.username)})
	if err != nil || user == nil {
		d.reason, d.awsCode = classify(ctx, err, ReasonGetUserFailed)
		d.err = refuse(d.reason, MsgUnavailable)
		return d
	}
	if HasMFA(user) {
		d.reason, d.err = ReasonMFAEnabled, refuse(ReasonMFAEnabled, m.msg(ConnectMessage(provider), PhoneConnectMessage(provider)))
		return d
	}
	_, err = b.client.AdminLinkProviderForUser(ctx, &cip.AdminLinkProviderForUserInput{
		UserPoolId: aws.String(ev.UserPoolID),
		DestinationUser: &types.ProviderUserIdentifierType{
			ProviderName:           aws.String(cognitoProvider),
			ProviderAttributeValue: aws.String(dest.username),
		},
		SourceUser: &types.ProviderUserIdentifierType{
			ProviderName:           aws.String(provider),
			ProviderAttributeName:  aws.String("Cognito_Subject"),
			ProviderAttributeValue: aws.String(subject),
		},
	})
	if err != nil {
		d.reason, d.awsCode = classify(ctx, err, ReasonLinkFailed)
		d.err = refuse(d.reason, MsgUnavailable)
		return d
	}
	d.linked = true
	d.reason, d.err = ReasonLinked, afterLink(ctx, ev, provider, dest.username)
	var ue *presignup.UserError
	if errors.As(d.err, &ue) && ue.Reason != "" {
		d.reason = Reason(ue.Reason)
	}
	return d
}

// afterLink decides what the sign-up does once the federated identity is
// linked to the native user destination: it lets the sign-up go on.
// AWS documents linking in a pre sign-up trigger ("before their first
// sign-in ... in a Pre sign-up Lambda trigger") and that "after Amazon
// Cognito matches your federated user to a linked profile, they always sign
// in to that profile"; Cognito fixed in 2023 the first sign-in that used to
// fail with "Already found an entry for username ...". A client that still
// sees that error retries the sign-in once (docs/mosaic-passwordless.md, "First federated
// sign-in"). Refusing here instead would make every first sign-in fail.
func afterLink(ctx context.Context, ev *presignup.Event, provider, destination string) error {
	_, _, _, _ = ctx, ev, provider, destination
	return nil
}

// HasMFA reports whether an AdminGetUser answer shows any MFA for the user:
// a method in UserMFASettingList (SMS_MFA, EMAIL_OTP, SOFTWARE_TOKEN_MFA),
// a PreferredMfaSetting, or a legacy MFAOptions entry. A nil answer counts
// as MFA (fail closed).
func HasMFA(u *cip.AdminGetUserOutput) bool {
	return u == nil || len(u.UserMFASettingList) > 0 || aws.ToString(u.PreferredMfaSetting) != "" || len(u.MFAOptions) > 0
}

// candidate is a native user that may receive the link.
type candidate struct {
	username string
	attrs    map[string]string
}

// candidates looks the email up as given and, when different, in ASCII
// lower case, and keeps native users with a verified, equal email.
// overflow reports a query that had more than MaxPages pages.
func (b *Behaviour) candidates(ctx context.Context, poolID, email string) (out []candidate, overflow bool, err error) {
	queries := []string{email}
	if lower := LowerASCII(email); lower != email {
		queries = append(queries, lower)
	}
	seen := map[string]bool{}
	for _, q := range queries {
		o, err := b.listUsers(ctx, poolID, EmailFilter(q), func(u types.UserType) {
			name := aws.ToString(u.Username)
			if name == "" || seen[name] {
				return
			}
			seen[name] = true
			attrs := attributes(u.Attributes)
			if u.UserStatus == types.UserStatusTypeExternalProvider ||
				attrs["email_verified"] != "true" ||
				!EqualFoldASCII(attrs["email"], email) {
				return
			}
			out = append(out, candidate{username: name, attrs: attrs})
		})
		if err != nil {
			return nil, false, err
		}
		overflow = overflow || o
	}
	return out, overflow, nil
}

// phoneCandidates looks the E.164 number up (ListUsers filters on the
// stored phone_number, which Cognito keeps in E.164) and keeps native users
// whose own phone_number is verified and normalizes to the same number.
// overflow reports more than MaxPages pages.
func (b *Behaviour) phoneCandidates(ctx context.Context, poolID, phone string) (out []candidate, overflow bool, err error) {
	overflow, err = b.listUsers(ctx, poolID, PhoneFilter(phone), func(u types.UserType) {
		name := aws.ToString(u.Username)
		if name == "" || slices.ContainsFunc(out, func(c candidate) bool { return c.username == name }) {
			return
		}
		attrs := attributes(u.Attributes)
		if u.UserStatus == types.UserStatusTypeExternalProvider ||
			attrs["phone_number_verified"] != "true" ||
			!e164.Equal(attrs["phone_number"], phone) {
			return
		}
		out = append(out, candidate{username: name, attrs: attrs})
	})
	if err != nil {
		return nil, false, err
	}
	return out, overflow, nil
}

// listUsers hands visit every user of up to MaxPages pages of ListUsers
// with filter; overflow reports that a further page was left unread.
func (b *Behaviour) listUsers(ctx context.Context, poolID, filter string, visit func(types.UserType)) (overflow bool, err error) {
	var token *string
	for page := 0; page < MaxPages; page++ {
		res, err := b.client.ListUsers(ctx, &cip.ListUsersInput{
			UserPoolId:      aws.String(poolID),
			Filter:          aws.String(filter),
			Limit:           aws.Int32(PageSize),
			PaginationToken: token,
		})
		if err != nil {
			return false, err
		}
		if res == nil {
			return false, errors.New("linking: empty ListUsers response")
		}
		for _, u := range res.Users {
			visit(u)
		}
		token = res.PaginationToken
		if aws.ToString(token) == "" {
			return false, nil
		}
	}
	return true, nil
}

// attributes is a user's attributes by name.
func attributes(list []types.AttributeType) map[string]string {
	attrs := make(map[string]string, len(list))
	for _, a := range list {
		attrs[aws.ToString(a.Name)] = aws.ToString(a.Value)
	}
	return attrs
}

// identity is one entry of a user's "identities" attribute.
type identity struct {
	ProviderName string `json:"providerName"`
	UserID       string `json:"userId"`
}

// parseIdentities reads the "identities" attribute (a JSON array); absent
// or empty means none.
func parseIdentities(raw string) ([]identity, error) {
	if raw == "" {
		return nil, nil
	}
	var ids []identity
	if err := json.Unmarshal([]byte(raw), &ids); err != nil {
		return nil, err
	}
	return ids, nil
}

// classify maps an AWS SDK error to a reason and the AWS error code (safe
// to log: a code, never the message).
func classify(ctx context.Context, err error, fallback Reason) (Reason, string) {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		code := ae.ErrorCode()
		switch code {
		case "TooManyRequestsException", "ThrottlingException":
			return ReasonThrottled, code
		case "LimitExceededException":
			return ReasonAWSLimitExceeded, code
		case "AliasExistsException":
			return ReasonAliasExists, code
		case "UserNotFoundException":
			return ReasonDestinationNotFound, code
		}
		return fallback, presignup.Clip(code)
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) || ctx.Err() != nil {
		return ReasonDeadlineExceeded, ""
	}
	return fallback, ""
}

// EmailRef is a short keyed reference to an email (ASCII lower-cased) for
// log correlation (logref.Ref: HMAC-SHA256 under the deployment's log key,
// so a list of addresses cannot reverse it); the email itself is never
// logged.
func EmailRef(email string) string {
	return logref.Ref("email", LowerASCII(email))
}

// PhoneRef is EmailRef for an E.164 number.
func PhoneRef(phone string) string { return logref.Ref("phone", phone) }

func (b *Behaviour) log(ctx context.Context, d decision, ev *presignup.Event, start time.Time) {
	if b == nil || b.Logger == nil {
		return
	}
	level := emf.Level(d.reason == ReasonInternalError || d.awsCode != "" || d.reason == ReasonDeadlineExceeded, d.err != nil)
	var pool, user, source string
	if ev != nil {
		pool, user, source = ev.UserPoolID, presignup.UserRef(ev.UserPoolID, ev.UserName), ev.TriggerSource
	}
	b.Logger.LogAttrs(ctx, level, "presignup linking decision",
		slog.String("trigger", "presignup"),
		slog.String("behaviour", contract.BehaviourLinking),
		slog.String("reason", string(d.reason)),
		slog.Bool("linked", d.linked),
		slog.Bool("refused", d.err != nil),
		slog.String("provider", d.provider),
		slog.Bool("trusted", d.trusted),
		slog.String("email", d.emailRef),
		slog.String("phone", d.phoneRef),
		slog.Int("candidates", d.candidates),
		slog.String("awsError", d.awsCode),
		slog.String("triggerSource", presignup.Clip(source)),
		slog.String("userPoolId", presignup.Clip(pool)),
		slog.String("user", user),
		slog.Int64("duration_ms", time.Since(start).Milliseconds()),
		emf.Attr(contract.HandlerPreSignUpLinking, string(d.reason), level, start),
	)
}

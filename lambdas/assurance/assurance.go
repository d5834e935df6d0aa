// Package assurance is the pre token generation behaviour
// contract.BehaviourAssurance: it decides whether the assurance of a user
// (custom:ial, the identity assurance level an application may trust)
// reaches the tokens, and it is the only code besides the proofing callback
// that writes it.
//
// Trust model. custom:ial and the other contract.AssuranceAttributes are
// written by the backend only (AdminUpdateUserAttributes); no app client the
// constructs create may write them, and no identity provider maps into them.
// An assurance is bound to the email it was granted for
// (contract.AttrIALEmail): it counts only while the user's email equals it
// and email_verified is "true". At every token issuance:
//
//   - a user whose binding holds keeps the assurance; on a version 2/3 event
//     custom:ial and custom:ial_at are also added to the access token;
//   - a user whose binding broke (the email changed, or is no longer
//     verified) loses it: the assurance attributes are suppressed from the ID
//     token and deleted from the user (best effort: the suppression is what
//     the tokens carry, the deletion makes it permanent), so a later sign-in
//     never restores it. A new proofing is needed.
//
// Federated assurance. Cognito writes an identity provider's mapped claims
// into the pool only through attributes the hosted sign-in client may
// write, and what that client may write, the user's own access token may
// write too (WriteAttributes). So the assurance provider's claim (1Kosmos
// BlockID's IAL, in "amr") is mapped into contract.AttrIdPIALRaw, which is
// untrusted by design, and this behaviour turns it into the backend-only
// assurance at the provider's own sign-in only.
//
// The claim counts once. Cognito writes a mapped attribute at a sign-in
// through the provider, and at no other sign-in; the pre token generation
// of that sign-in (TokenGeneration_HostedAuth, a user whose identities name
// one of the configured providers) consumes it: the raw value is deleted
// from the user (AdminDeleteUserAttributes) before anything is granted, so
// a later sign-in that is not through the provider (a password sign-in of
// a linked user, another provider) finds no claim and changes nothing. A
// claim stating a level of at least the minimum (contract.
// EnvAssuranceMinimumLevel) becomes custom:ial (with custom:ial_at,
// custom:ial_email = the user's verified email and custom:ial_src = the
// provider); a claim without a level, or below the minimum, withdraws an
// assurance that provider granted (never one of proofing). A raw value
// found at any other issuance is a leftover (a sign-in through the
// provider that never reached its tokens): it is deleted, best effort, and
// grants nothing. Consuming relies on Cognito writing the claim again at
// the next sign-in through the provider, which an empty attribute always
// gets whether or not Cognito skips unchanged values.
//
// An assurance a provider granted also holds only while the user's
// identities still name that provider (Bound): disconnecting the provider
// (AdminDisableProviderForUser, lambdas/connect's disconnect) withdraws it
// at the next issuance, and the disconnect deletes it at once.
package assurance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/deadline"
	"github.com/cognitobridge/cognitobridge/lambdas/pretokengen"
)

// Cognito is the part of the user pools API the behaviour uses;
// *cognitoidentityprovider.Client satisfies it.
type Cognito interface {
	AdminUpdateUserAttributes(ctx context.Context, in *cip.AdminUpdateUserAttributesInput, optFns ...func(*cip.Options)) (*cip.AdminUpdateUserAttributesOutput, error)
	AdminDeleteUserAttributes(ctx context.Context, in *cip.AdminDeleteUserAttributesInput, optFns ...func(*cip.Options)) (*cip.AdminDeleteUserAttributesOutput, error)
}

var _ Cognito = (*cip.Client)(nil)

// Reasons of the behaviour's decisions.
const (
	ReasonNone          = "no_assurance"
	ReasonBound         = "assurance_bound"
	ReasonBroken        = "assurance_binding_broken"
	ReasonGranted       = "assurance_granted"
	ReasonWithdrawn     = "assurance_withdrawn"
	ReasonUnavailable   = "assurance_unavailable"
	ReasonProviderNoIAL = "provider_no_level"
	// ReasonBelowMinimum: the provider's claim states a level below the
	// minimum (contract.EnvAssuranceMinimumLevel); it grants nothing.
	ReasonBelowMinimum = "provider_level_below_minimum"
)

// TriggerHostedAuth is the trigger source of a managed login (hosted UI)
// sign-in, federated or not.
const TriggerHostedAuth = "TokenGeneration_HostedAuth"

const (
	maxRawClaim  = 2048 // a custom attribute's longest value
	maxProviders = 32
)

// MsgUnavailable is what a refused sign-in shows when the assurance of a
// federated sign-in could not be recorded.
const MsgUnavailable = "Your identity assurance could not be recorded. Please sign in again."

// ErrUnavailable is the refusal of a sign-in whose assurance could not be
// recorded (fail closed: an assurance the provider withdrew must not
// survive in the pool). Its text is what the user sees.
var ErrUnavailable error = publicError(MsgUnavailable)

// publicError is an error whose text is shown to the user as it is.
type publicError string

func (e publicError) Error() string { return string(e) }

// Budget bounds the Cognito calls of one issuance (the trigger has 5 s).
const (
	Budget         = 2500 * time.Millisecond
	DeadlineMargin = 500 * time.Millisecond
)

// Config configures the behaviour.
type Config struct {
	// Providers are the identity provider names whose mapped claim
	// (contract.AttrIdPIALRaw) is turned into custom:ial at their sign-in.
	Providers []string
	// MinimumLevel is the lowest level a provider's claim must state.
	// Default (0): contract.DefaultAssuranceMinimumLevel.
	MinimumLevel int
}

// ConfigFromEnv reads contract.EnvAssuranceProviders (a JSON array of
// provider names, optional) and contract.EnvAssuranceMinimumLevel
// (optional, see contract.ParseAssuranceMinimumLevel).
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	var c Config
	min, err := contract.ParseAssuranceMinimumLevel(getenv(contract.EnvAssuranceMinimumLevel))
	if err != nil {
		return Config{}, err
	}
	c.MinimumLevel = min
	raw := strings.TrimSpace(getenv(contract.EnvAssuranceProviders))
	if raw == "" {
		return c, nil
	}
	if err := json.Unmarshal([]byte(raw), &c.Providers); err != nil {
		return Config{}, fmt.Errorf("%s: expected a JSON array of identity provider names, received %q", contract.EnvAssuranceProviders, clip(raw))
	}
	if len(c.Providers) > maxProviders {
		return Config{}, fmt.Errorf("%s: expected at most %d names, received %d", contract.EnvAssuranceProviders, maxProviders, len(c.Providers))
	}
	for i, p := range c.Providers {
		if p == "" || len(p) > 32 || strings.ContainsAny(p, " \t\r\n") || slices.Index(c.Providers, p) != i {
			return Config{}, fmt.Errorf("%s: entry %d: expected a distinct identity provider name (1 to 32 characters, no spaces), received %q", contract.EnvAssuranceProviders, i, clip(p))
		}
	}
	return c, nil
}

func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

// Behaviour is the assurance behaviour of pre token generation.
type Behaviour struct {
	Cognito   Cognito
	Providers []string
	// MinimumLevel is the lowest level a provider's claim must state.
	MinimumLevel int
	// Now is the clock. Default: time.Now.
	Now func() time.Time
}

var _ pretokengen.Behaviour = (*Behaviour)(nil)

// New returns the behaviour.
func New(c Cognito, cfg Config) (*Behaviour, error) {
	if c == nil {
		return nil, errors.New("assurance: behaviour needs a Cognito client")
	}
	min := cfg.MinimumLevel
	if min == 0 {
		min = contract.DefaultAssuranceMinimumLevel
	}
	if err := contract.CheckAssuranceLevel(float64(min)); err != nil {
		return nil, fmt.Errorf("assurance: minimum level: %w", err)
	}
	return &Behaviour{Cognito: c, Providers: slices.Clone(cfg.Providers), MinimumLevel: min, Now: time.Now}, nil
}

// Name is contract.BehaviourAssurance.
func (b *Behaviour) Name() string { return contract.BehaviourAssurance }

// State is an assurance as the user's attributes hold it.
type State struct {
	Level, At, Email, Source string
}

// StateOf reads the assurance attributes.
func StateOf(attrs map[string]string) State {
	return State{Level: attrs[contract.AttrIAL], At: attrs[contract.AttrIALAt], Email: attrs[contract.AttrIALEmail], Source: attrs[contract.AttrIALSource]}
}

// Empty reports whether there is no assurance at all.
func (s State) Empty() bool { return s == State{} }

// Bound reports whether an assurance (custom:ial) holds for attrs: a level,
// bound to an email, which is the user's email now and verified, and, for
// an assurance an identity provider granted, the user's identities still
// name that provider. A backend that reads user attributes directly
// (AdminGetUser, which includes "identities") must apply it too.
func Bound(attrs map[string]string) bool {
	s := StateOf(attrs)
	if s.Level == "" || s.Email == "" || !sameEmail(s.Email, attrs["email"]) || attrs["email_verified"] != "true" {
		return false
	}
	return s.Source == contract.AssuranceSourceProofing || slices.Contains(identityProviders(attrs["identities"]), s.Source)
}

// identityProviders are the provider names of an "identities" attribute.
func identityProviders(raw string) []string {
	if raw == "" {
		return nil
	}
	var ids []identity
	if err := json.Unmarshal([]byte(raw), &ids); err != nil {
		return nil
	}
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		out = append(out, id.ProviderName)
	}
	return out
}

// sameEmail compares two addresses, ASCII case-insensitively.
func sameEmail(a, b string) bool {
	return a != "" && asciiLower(a) == asciiLower(b)
}

func asciiLower(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' {
			return r + ('a' - 'A')
		}
		return r
	}, s)
}

// levelToken matches an IAL marker inside one claim value: "ial2", "IAL:2",
// "ial_2", "/assurance/ial/2", "urn:…:ial:2".
var levelToken = regexp.MustCompile(`(?i)(?:^|[/:_.-])ial[/:_.-]?([1-3])$`)

// ParseLevel extracts the identity assurance level from the provider's
// claim as Cognito mapped it: a JSON array of strings (an "amr" list), or
// one string of values separated by spaces or commas. The highest level
// marked "ial<n>" wins. ASSUMED: 1Kosmos documents only that the IAL is
// "embedded in the 'amr' claim"; its exact form is not public.
func ParseLevel(raw string) (string, bool) {
	raw = strings.TrimSpace(raw)
	if raw == "" || len(raw) > maxRawClaim {
		return "", false
	}
	var values []string
	if strings.HasPrefix(raw, "[") {
		if err := json.Unmarshal([]byte(raw), &values); err != nil {
			return "", false
		}
	} else {
		values = strings.FieldsFunc(raw, func(r rune) bool { return r == ' ' || r == ',' })
	}
	best := 0
	for _, v := range values {
		if m := levelToken.FindStringSubmatch(strings.TrimSpace(v)); m != nil {
			if n, _ := strconv.Atoi(m[1]); n > best {
				best = n
			}
		}
	}
	if best == 0 {
		return "", false
	}
	return strconv.Itoa(best), true
}

// identity is one entry of the "identities" attribute.
type identity struct {
	ProviderName string `json:"providerName"`
}

// assuranceProvider returns the configured provider among the user's
// identities, "" when none.
func (b *Behaviour) assuranceProvider(attrs map[string]string) string {
	for _, p := range identityProviders(attrs["identities"]) {
		if slices.Contains(b.Providers, p) {
			return p
		}
	}
	return ""
}

func (b *Behaviour) now() time.Time {
	if b.Now != nil {
		return b.Now()
	}
	return time.Now()
}

// Apply decides one issuance.
func (b *Behaviour) Apply(ctx context.Context, ev pretokengen.Event) pretokengen.Decision {
	attrs := ev.Request.UserAttributes
	if attrs == nil {
		attrs = map[string]string{}
	}
	state := StateOf(attrs)
	changed, reason := false, ""
	var extra []slog.Attr
	hasRaw := attrs[contract.AttrIdPIALRaw] != ""
	provider := ""
	if ev.TriggerSource == TriggerHostedAuth {
		provider = b.assuranceProvider(attrs)
	}
	switch {
	case hasRaw && provider != "":
		// The claim this sign-in through the provider wrote: consumed
		// before anything is granted (fail closed: a claim that could not
		// be consumed could be read again by a later sign-in).
		extra = append(extra, slog.String("provider", provider))
		if err := b.deleteRaw(ctx, ev); err != nil {
			return pretokengen.Decision{Reason: ReasonUnavailable, Refusal: ErrUnavailable, Log: append(extra, slog.String("awsError", errorCode(err)))}
		}
		next, r := b.federated(state, provider, attrs)
		if next != state {
			if err := b.store(ctx, ev, state, next); err != nil {
				return pretokengen.Decision{Reason: ReasonUnavailable, Refusal: ErrUnavailable, Log: append(extra, slog.String("awsError", errorCode(err)))}
			}
			state, changed = next, true
		}
		reason = r
	case hasRaw:
		// A leftover: never a grant; removed, best effort.
		extra = append(extra, slog.Bool("staleClaimDeleted", b.deleteRaw(ctx, ev) == nil))
	}
	view := map[string]string{"email": attrs["email"], "email_verified": attrs["email_verified"], "identities": attrs["identities"],
		contract.AttrIAL: state.Level, contract.AttrIALAt: state.At, contract.AttrIALEmail: state.Email, contract.AttrIALSource: state.Source}
	switch {
	case state.Empty():
		if reason == "" {
			reason = ReasonNone
		}
		d := pretokengen.Decision{Pass: true, Reason: reason, Log: extra}
		if changed { // withdrawn: the event still carries the old values
			d.Suppress = slices.Clone(contract.AssuranceAttributes)
		}
		return d
	case !Bound(view):
		deleted := b.drop(ctx, ev, state) == nil
		return pretokengen.Decision{Pass: true, Reason: ReasonBroken, Suppress: slices.Clone(contract.AssuranceAttributes),
			Log: append(extra, slog.Bool("deleted", deleted))}
	}
	if reason == "" {
		reason = ReasonBound
	}
	d := pretokengen.Decision{Pass: true, Reason: reason, Log: append(extra, slog.String("level", state.Level))}
	if pretokengen.IsV2(ev.Version) {
		d.Claims = map[string]any{contract.AttrIAL: state.Level, contract.AttrIALAt: state.At}
		if changed {
			d.Claims[contract.AttrIALEmail], d.Claims[contract.AttrIALSource] = state.Email, state.Source
		}
	} else if changed {
		// A version 1 event cannot add claims: the ID token would carry the
		// values from before this sign-in, so it carries none this time.
		d.Suppress = slices.Clone(contract.AssuranceAttributes)
	}
	return d
}

// federated is the assurance after a sign-in through provider whose claim
// (contract.AttrIdPIALRaw) this sign-in wrote.
func (b *Behaviour) federated(cur State, provider string, attrs map[string]string) (State, string) {
	level, ok := ParseLevel(attrs[contract.AttrIdPIALRaw])
	reason := ReasonProviderNoIAL
	if ok {
		if n, _ := strconv.Atoi(level); n < b.minimum() {
			ok, reason = false, ReasonBelowMinimum
		}
	}
	email := attrs["email"]
	if ok && email != "" && attrs["email_verified"] == "true" {
		next := State{Level: level, At: b.now().UTC().Format(time.RFC3339), Email: email, Source: provider}
		if cur.Level == next.Level && cur.Source == provider && cur.Email == email {
			return cur, ReasonBound // re-asserted: keep the original time
		}
		return next, ReasonGranted
	}
	if cur.Source == provider {
		return State{}, ReasonWithdrawn
	}
	return cur, reason
}

func (b *Behaviour) minimum() int {
	if b.MinimumLevel == 0 {
		return contract.DefaultAssuranceMinimumLevel
	}
	return b.MinimumLevel
}

// deleteRaw removes the provider's claim from the user.
func (b *Behaviour) deleteRaw(ctx context.Context, ev pretokengen.Event) error {
	ctx, cancel := b.budget(ctx)
	defer cancel()
	_, err := b.Cognito.AdminDeleteUserAttributes(ctx, &cip.AdminDeleteUserAttributesInput{
		UserPoolId: aws.String(ev.UserPoolID), Username: aws.String(ev.UserName), UserAttributeNames: []string{contract.AttrIdPIALRaw},
	})
	return err
}

func (b *Behaviour) budget(ctx context.Context) (context.Context, context.CancelFunc) {
	return deadline.Context(ctx, DeadlineMargin, Budget)
}

// store writes the new assurance, or deletes the current one when next is
// empty.
func (b *Behaviour) store(ctx context.Context, ev pretokengen.Event, cur, next State) error {
	if next.Empty() {
		return b.drop(ctx, ev, cur)
	}
	ctx, cancel := b.budget(ctx)
	defer cancel()
	_, err := b.Cognito.AdminUpdateUserAttributes(ctx, &cip.AdminUpdateUserAttributesInput{
		UserPoolId: aws.String(ev.UserPoolID), Username: aws.String(ev.UserName),
		UserAttributes: []types.AttributeType{
			{Name: aws.String(contract.AttrIAL), Value: aws.String(next.Level)},
			{Name: aws.String(contract.AttrIALAt), Value: aws.String(next.At)},
			{Name: aws.String(contract.AttrIALEmail), Value: aws.String(next.Email)},
			{Name: aws.String(contract.AttrIALSource), Value: aws.String(next.Source)},
		},
	})
	return err
}

// drop deletes the assurance attributes the user has (cur).
func (b *Behaviour) drop(ctx context.Context, ev pretokengen.Event, cur State) error {
	var names []string
	for _, a := range []struct{ name, v string }{
		{contract.AttrIAL, cur.Level}, {contract.AttrIALAt, cur.At}, {contract.AttrIALEmail, cur.Email}, {contract.AttrIALSource, cur.Source},
	} {
		if a.v != "" {
			names = append(names, a.name)
		}
	}
	if len(names) == 0 {
		return nil
	}
	ctx, cancel := b.budget(ctx)
	defer cancel()
	_, err := b.Cognito.AdminDeleteUserAttributes(ctx, &cip.AdminDeleteUserAttributesInput{
		UserPoolId: aws.String(ev.UserPoolID), Username: aws.String(ev.UserName), UserAttributeNames: names,
	})
	return err
}

func errorCode(err error) string {
	var ae interface{ ErrorCode() string }
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timeout"
	}
	return "error"
}

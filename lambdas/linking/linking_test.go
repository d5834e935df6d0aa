package linking_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/smithy-go"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/linking"
	"github.com/cognitobridge/cognitobridge/lambdas/presignup"
)

const pool = "us-east-1_AbCdEf123"

var providers = []string{"Google", "corp", "corp_eu", "Sign In_With"}

func event(userName, email, verified string) *presignup.Event {
	attrs := map[string]string{"sub": "new-sub"}
	if email != "\x00absent" {
		attrs["email"] = email
	}
	if verified != "\x00absent" {
		attrs["email_verified"] = verified
	}
	return &presignup.Event{
		Header: presignup.Header{Version: "1", TriggerSource: presignup.TriggerExternalProvider, Region: "us-east-1",
			UserPoolID: pool, UserName: userName,
			CallerContext: presignup.CallerContext{ClientID: "1example23456789"}},
		Request: presignup.Request{UserAttributes: attrs},
	}
}

// idpEvent is event with the email where a linkable provider maps it
// (custom:idp_email, custom:idp_email_verified).
func idpEvent(userName, email, verified string) *presignup.Event {
	ev := event(userName, "\x00absent", "\x00absent")
	ev.Request.UserAttributes[contract.AttrIdPEmail] = email
	ev.Request.UserAttributes[contract.AttrIdPEmailVerified] = verified
	return ev
}

// newBehaviour trusts every provider for email verification: the rules of
// automatic linking. TestDefaultRefusesUntrusted covers the default.
func newBehaviour(t testing.TB, f *fakeCognito, max int, logs *bytes.Buffer) *linking.Behaviour {
	t.Helper()
	return newBehaviourTrusting(t, f, max, logs, providers)
}

func newBehaviourTrusting(t testing.TB, f *fakeCognito, max int, logs *bytes.Buffer, trusted []string) *linking.Behaviour {
	t.Helper()
	if max == 0 {
		max = contract.DefaultLinkMaxIdentities
	}
	b, err := linking.New(f, linking.Config{Providers: providers, MaxIdentities: max, TrustedProviders: trusted})
	if err != nil {
		t.Fatal(err)
	}
	if logs == nil {
		logs = &bytes.Buffer{}
	}
	b.Logger = slog.New(slog.NewJSONHandler(logs, nil))
	return b
}

type apiErr struct{ code string }

func (e apiErr) Error() string                 { return e.code + ": internal detail arn:aws:secret" }
func (e apiErr) ErrorCode() string             { return e.code }
func (e apiErr) ErrorMessage() string          { return "internal detail" }
func (e apiErr) ErrorFault() smithy.ErrorFault { return smithy.FaultClient }

var alice = fakeUser{name: "alice-native", email: "alice@example.com", verified: "true"}

func TestRules(t *testing.T) {
	long := strings.Repeat("a", 243) + "@example.com" // 255 bytes
	ok254 := strings.Repeat("a", 242) + "@example.com"
	fiveIDs := `[{"providerName":"a","userId":"1"},{"providerName":"b","userId":"2"},{"providerName":"c","userId":"3"},{"providerName":"d","userId":"4"},{"providerName":"e","userId":"5"}]`
	fourIDs := `[{"providerName":"a","userId":"1"},{"providerName":"b","userId":"2"},{"providerName":"c","userId":"3"},{"providerName":"d","userId":"4"}]`
	for _, tc := range []struct {
		name    string
		ev      *presignup.Event
		users   []fakeUser
		fold    bool
		max     int
		page    int
		listErr error
		linkErr error
		getErr  error

		reason  linking.Reason
		refused string   // expected user message; "" = proceeds
		filters []string // nil = not checked; empty = no ListUsers call
		link    [3]string
	}{
		{name: "linked", ev: event("Google_1234", "alice@example.com", "true"), users: []fakeUser{alice},
			reason:  linking.ReasonLinked,
			filters: []string{`email = "alice@example.com"`}, link: [3]string{"alice-native", "Google", "1234"}},
		{name: "lower-case provider prefix links with the configured name", ev: event("google_1234", "alice@example.com", "true"), users: []fakeUser{alice},
			reason: linking.ReasonLinked, link: [3]string{"alice-native", "Google", "1234"}},
		{name: "provider with underscore, longest wins", ev: event("corp_eu_ab_c", "alice@example.com", "true"), users: []fakeUser{alice},
			reason: linking.ReasonLinked, link: [3]string{"alice-native", "corp_eu", "ab_c"}},
		{name: "shorter provider with underscore subject", ev: event("corp_us_1", "alice@example.com", "true"), users: []fakeUser{alice},
			reason: linking.ReasonLinked, link: [3]string{"alice-native", "corp", "us_1"}},
		{name: "provider with space", ev: event("Sign In_With_x", "alice@example.com", "true"), users: []fakeUser{alice},
			reason: linking.ReasonLinked, link: [3]string{"alice-native", "Sign In_With", "x"}},
		{name: "unknown provider", ev: event("Facebook_1", "alice@example.com", "true"), users: []fakeUser{alice},
			reason: linking.ReasonProviderNotConfigured, filters: []string{}},
		{name: "provider without subject", ev: event("Google_", "alice@example.com", "true"), users: []fakeUser{alice},
			reason: linking.ReasonProviderNotConfigured, filters: []string{}},
		{name: "provider without separator", ev: event("Google1234", "alice@example.com", "true"), users: []fakeUser{alice},
			reason: linking.ReasonProviderNotConfigured, filters: []string{}},
		{name: "literal providerName is not special", ev: event("providerName_1", "alice@example.com", "true"), users: []fakeUser{alice},
			reason: linking.ReasonProviderNotConfigured, filters: []string{}},

		{name: "unverified false", ev: event("Google_1", "alice@example.com", "false"), users: []fakeUser{alice}, reason: linking.ReasonEmailNotVerified, filters: []string{}},
		{name: "unverified True", ev: event("Google_1", "alice@example.com", "True"), users: []fakeUser{alice}, reason: linking.ReasonEmailNotVerified, filters: []string{}},
		{name: "unverified 1", ev: event("Google_1", "alice@example.com", "1"), users: []fakeUser{alice}, reason: linking.ReasonEmailNotVerified, filters: []string{}},
		{name: "unverified padded", ev: event("Google_1", "alice@example.com", "true "), users: []fakeUser{alice}, reason: linking.ReasonEmailNotVerified, filters: []string{}},
		{name: "unverified absent", ev: event("Google_1", "alice@example.com", "\x00absent"), users: []fakeUser{alice}, reason: linking.ReasonEmailNotVerified, filters: []string{}},

		{name: "email absent", ev: event("Google_1", "\x00absent", "true"), reason: linking.ReasonEmailInvalid, filters: []string{}},
		{name: "email empty", ev: event("Google_1", "", "true"), reason: linking.ReasonEmailInvalid, filters: []string{}},
		{name: "email too long", ev: event("Google_1", long, "true"), reason: linking.ReasonEmailInvalid, filters: []string{}},
		{name: "email newline", ev: event("Google_1", "alice@example.com\n", "true"), reason: linking.ReasonEmailInvalid, filters: []string{}},
		{name: "email NUL", ev: event("Google_1", "alice\x00@example.com", "true"), reason: linking.ReasonEmailInvalid, filters: []string{}},
		{name: "email C1", ev: event("Google_1", "alice\u0085@example.com", "true"), reason: linking.ReasonEmailInvalid, filters: []string{}},
		{name: "email invalid UTF-8", ev: event("Google_1", "alice\xff@example.com", "true"), reason: linking.ReasonEmailInvalid, filters: []string{}},
		{name: "email 254 bytes looked up", ev: event("Google_1", ok254, "true"), reason: linking.ReasonNoCandidate},
		{name: "email not trimmed", ev: event("Google_1", " alice@example.com", "true"), users: []fakeUser{alice}, reason: linking.ReasonNoCandidate,
			filters: []string{`email = " alice@example.com"`}},

		{name: "quote escaped", ev: event("Google_1", `a"b@example.com`, "true"),
			users:   []fakeUser{{name: "q", email: `a"b@example.com`, verified: "true"}},
			reason:  linking.ReasonLinked,
			filters: []string{`email = "a\"b@example.com"`}, link: [3]string{"q", "Google", "1"}},
		{name: "backslash escaped", ev: event("Google_1", `a\@example.com`, "true"),
			users:   []fakeUser{{name: "bs", email: `a\@example.com`, verified: "true"}},
			reason:  linking.ReasonLinked,
			filters: []string{`email = "a\\@example.com"`}, link: [3]string{"bs", "Google", "1"}},
		{name: "trailing backslash cannot eat the quote", ev: event("Google_1", `alice@example.com\`, "true"), users: []fakeUser{alice},
			reason: linking.ReasonNoCandidate, filters: []string{`email = "alice@example.com\\"`}},
		{name: "filter injection stays a value", ev: event("Google_1", `x" or email ^= "`, "true"), users: []fakeUser{alice},
			reason: linking.ReasonNoCandidate, filters: []string{`email = "x\" or email ^= \""`}},

		{name: "mixed case incoming", ev: event("Google_1", "Alice@Example.COM", "true"), users: []fakeUser{alice},
			reason:  linking.ReasonLinked,
			filters: []string{`email = "Alice@Example.COM"`, `email = "alice@example.com"`}, link: [3]string{"alice-native", "Google", "1"}},
		{name: "mixed case stored, case-insensitive backend", ev: event("Google_1", "alice@example.com", "true"), fold: true,
			users:  []fakeUser{{name: "A", email: "ALICE@example.com", verified: "true"}},
			reason: linking.ReasonLinked, link: [3]string{"A", "Google", "1"}},
		{name: "Kelvin sign look-alike never matches", ev: event("Google_1", "\u212aim@example.com", "true"), fold: true,
			users:  []fakeUser{{name: "kim", email: "kim@example.com", verified: "true"}},
			reason: linking.ReasonNoCandidate},
		{name: "Cyrillic look-alike never matches", ev: event("Google_1", "\u0430lice@example.com", "true"), fold: true,
			users:  []fakeUser{alice},
			reason: linking.ReasonNoCandidate},
		{name: "long s look-alike never matches", ev: event("Google_1", "\u017fam@example.com", "true"), fold: true,
			users:  []fakeUser{{name: "sam", email: "sam@example.com", verified: "true"}},
			reason: linking.ReasonNoCandidate},

		{name: "candidate unverified", ev: event("Google_1", "alice@example.com", "true"),
			users: []fakeUser{{name: "u", email: "alice@example.com", verified: "false"}}, reason: linking.ReasonNoCandidate},
		{name: "candidate verified missing", ev: event("Google_1", "alice@example.com", "true"),
			users: []fakeUser{{name: "u", email: "alice@example.com"}}, reason: linking.ReasonNoCandidate},
		{name: "external candidate skipped", ev: event("Google_1", "alice@example.com", "true"),
			users:  []fakeUser{{name: "corp_9", email: "alice@example.com", verified: "true", external: true}, alice},
			reason: linking.ReasonLinked, link: [3]string{"alice-native", "Google", "1"}},
		{name: "no candidate", ev: event("Google_1", "bob@example.com", "true"), users: []fakeUser{alice}, reason: linking.ReasonNoCandidate},

		{name: "ambiguous", ev: event("Google_1", "alice@example.com", "true"),
			users:  []fakeUser{alice, {name: "alice-2", email: "alice@example.com", verified: "true"}},
			reason: linking.ReasonAmbiguousEmail, refused: linking.MsgAmbiguous},
		{name: "ambiguous across case variants", ev: event("Google_1", "Alice@example.com", "true"),
			users:  []fakeUser{alice, {name: "alice-2", email: "Alice@example.com", verified: "true"}},
			reason: linking.ReasonAmbiguousEmail, refused: linking.MsgAmbiguous},
		{name: "one verified of two", ev: event("Google_1", "alice@example.com", "true"),
			users:  []fakeUser{alice, {name: "alice-2", email: "alice@example.com", verified: "false"}},
			reason: linking.ReasonLinked, link: [3]string{"alice-native", "Google", "1"}},
		{name: "more than two pages", ev: event("Google_1", "alice@example.com", "true"), page: 1,
			users:  []fakeUser{{name: "x1", email: "alice@example.com"}, {name: "x2", email: "alice@example.com"}, alice},
			reason: linking.ReasonAmbiguousEmail, refused: linking.MsgAmbiguous},
		{name: "two pages", ev: event("Google_1", "alice@example.com", "true"), page: 1,
			users:  []fakeUser{{name: "x1", email: "alice@example.com"}, alice},
			reason: linking.ReasonLinked, link: [3]string{"alice-native", "Google", "1"}},

		{name: "already linked provider", ev: event("Google_2", "alice@example.com", "true"),
			users:  []fakeUser{{name: "a", email: "alice@example.com", verified: "true", identities: `[{"userId":"1","providerName":"Google","providerType":"Google","primary":false,"dateCreated":1}]`}},
			reason: linking.ReasonAlreadyLinkedProvider, refused: linking.MsgAlreadyLinked},
		{name: "already linked provider other case", ev: event("Google_2", "alice@example.com", "true"),
			users:  []fakeUser{{name: "a", email: "alice@example.com", verified: "true", identities: `[{"userId":"1","providerName":"google"}]`}},
			reason: linking.ReasonAlreadyLinkedProvider, refused: linking.MsgAlreadyLinked},
		{name: "other provider linked", ev: event("Google_2", "alice@example.com", "true"),
			users:  []fakeUser{{name: "a", email: "alice@example.com", verified: "true", identities: `[{"userId":"1","providerName":"corp"}]`}},
			reason: linking.ReasonLinked, link: [3]string{"a", "Google", "2"}},
		{name: "link limit", ev: event("Google_2", "alice@example.com", "true"),
			users:  []fakeUser{{name: "a", email: "alice@example.com", verified: "true", identities: fiveIDs}},
			reason: linking.ReasonLinkLimit, refused: linking.MsgLinkLimit},
		{name: "four identities", ev: event("Google_2", "alice@example.com", "true"),
			users:  []fakeUser{{name: "a", email: "alice@example.com", verified: "true", identities: fourIDs}},
			reason: linking.ReasonLinked, link: [3]string{"a", "Google", "2"}},
		{name: "configured limit", ev: event("Google_2", "alice@example.com", "true"), max: 1,
			users:  []fakeUser{{name: "a", email: "alice@example.com", verified: "true", identities: `[{"providerName":"corp"}]`}},
			reason: linking.ReasonLinkLimit, refused: linking.MsgLinkLimit},
		{name: "identities malformed", ev: event("Google_2", "alice@example.com", "true"),
			users:  []fakeUser{{name: "a", email: "alice@example.com", verified: "true", identities: `{"providerName":"corp"}`}},
			reason: linking.ReasonIdentitiesMalformed, refused: linking.MsgUnavailable},

		{name: "ListUsers throttled", ev: event("Google_1", "alice@example.com", "true"), listErr: apiErr{"TooManyRequestsException"},
			reason: linking.ReasonThrottled, refused: linking.MsgUnavailable},
		{name: "ListUsers other", ev: event("Google_1", "alice@example.com", "true"), listErr: errors.New("dial tcp: refused"),
			reason: linking.ReasonListUsersFailed, refused: linking.MsgUnavailable},
		{name: "ListUsers deadline", ev: event("Google_1", "alice@example.com", "true"), listErr: context.DeadlineExceeded,
			reason: linking.ReasonDeadlineExceeded, refused: linking.MsgUnavailable},
		{name: "link LimitExceeded", ev: event("Google_1", "alice@example.com", "true"), users: []fakeUser{alice}, linkErr: apiErr{"LimitExceededException"},
			reason: linking.ReasonAWSLimitExceeded, refused: linking.MsgUnavailable},
		{name: "link AliasExists", ev: event("Google_1", "alice@example.com", "true"), users: []fakeUser{alice}, linkErr: apiErr{"AliasExistsException"},
			reason: linking.ReasonAliasExists, refused: linking.MsgUnavailable},
		{name: "link InvalidParameter", ev: event("Google_1", "alice@example.com", "true"), users: []fakeUser{alice}, linkErr: apiErr{"InvalidParameterException"},
			reason: linking.ReasonLinkFailed, refused: linking.MsgUnavailable},

		{name: "MFA: TOTP enabled", ev: event("Google_1", "alice@example.com", "true"),
			users:  []fakeUser{{name: "m", email: "alice@example.com", verified: "true", mfa: []string{"SOFTWARE_TOKEN_MFA"}}},
			reason: linking.ReasonMFAEnabled, refused: linking.ConnectMessage("Google")},
		{name: "MFA: SMS enabled", ev: event("corp_1", "alice@example.com", "true"),
			users:  []fakeUser{{name: "m", email: "alice@example.com", verified: "true", mfa: []string{"SMS_MFA"}}},
			reason: linking.ReasonMFAEnabled, refused: linking.ConnectMessage("corp")},
		{name: "MFA: email OTP enabled", ev: event("Google_1", "alice@example.com", "true"),
			users:  []fakeUser{{name: "m", email: "alice@example.com", verified: "true", mfa: []string{"EMAIL_OTP"}}},
			reason: linking.ReasonMFAEnabled, refused: linking.ConnectMessage("Google")},
		{name: "MFA: preferred only", ev: event("Google_1", "alice@example.com", "true"),
			users:  []fakeUser{{name: "m", email: "alice@example.com", verified: "true", preferred: "SOFTWARE_TOKEN_MFA"}},
			reason: linking.ReasonMFAEnabled, refused: linking.ConnectMessage("Google")},
		{name: "AdminGetUser throttled", ev: event("Google_1", "alice@example.com", "true"), users: []fakeUser{alice}, getErr: apiErr{"TooManyRequestsException"},
			reason: linking.ReasonThrottled, refused: linking.MsgUnavailable},
		{name: "AdminGetUser fails", ev: event("Google_1", "alice@example.com", "true"), users: []fakeUser{alice}, getErr: errors.New("dial tcp: refused"),
			reason: linking.ReasonGetUserFailed, refused: linking.MsgUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeCognito{users: tc.users, pageSize: tc.page, listErr: tc.listErr, linkErr: tc.linkErr, getErr: tc.getErr}
			if tc.fold {
				f.match = strings.EqualFold // a backend folding Unicode case
			}
			var logs bytes.Buffer
			b := newBehaviour(t, f, tc.max, &logs)
			err := b.Apply(context.Background(), tc.ev)
			reason, _ := newBehaviour(t, &fakeCognito{users: tc.users, pageSize: tc.page, listErr: tc.listErr, linkErr: tc.linkErr, getErr: tc.getErr, match: f.match}, tc.max, nil).Decide(context.Background(), tc.ev)
			if reason != tc.reason {
				t.Errorf("reason %q, want %q", reason, tc.reason)
			}
			if tc.refused == "" {
				if err != nil {
					t.Errorf("refused: %v", err)
				}
			} else {
				var ue *presignup.UserError
				if !errors.As(err, &ue) || ue.Message != tc.refused || ue.Reason != string(tc.reason) {
					t.Errorf("refusal %#v, want %q (%s)", err, tc.refused, tc.reason)
				}
			}
			if tc.filters != nil && !equal(f.filters, tc.filters) {
				t.Errorf("filters %q, want %q", f.filters, tc.filters)
			}
			for _, l := range f.limits {
				if l != linking.PageSize {
					t.Errorf("limit %d", l)
				}
			}
			for _, d := range f.deadlines {
				if d <= 0 || d > presignup.MaxBudget {
					t.Errorf("call without the budget deadline: %v", d)
				}
			}
			if tc.link == [3]string{} {
				if len(f.links) != 0 {
					t.Fatalf("linked: %+v", f.links)
				}
			} else {
				checkLink(t, f.links, tc.link)
			}
			checkLog(t, logs.String(), tc.reason, tc.ev)
		})
	}
}

func checkLink(t *testing.T, links []*cip.AdminLinkProviderForUserInput, want [3]string) {
	t.Helper()
	if len(links) != 1 {
		t.Fatalf("links: %d, want 1", len(links))
	}
	in := links[0]
	d, s := in.DestinationUser, in.SourceUser
	if aws.ToString(in.UserPoolId) != pool ||
		aws.ToString(d.ProviderName) != "Cognito" || d.ProviderAttributeName != nil || aws.ToString(d.ProviderAttributeValue) != want[0] ||
		aws.ToString(s.ProviderName) != want[1] || aws.ToString(s.ProviderAttributeName) != "Cognito_Subject" || aws.ToString(s.ProviderAttributeValue) != want[2] {
		t.Fatalf("link %s %+v %+v, want %q", aws.ToString(in.UserPoolId), *d, *s, want)
	}
}

func checkLog(t *testing.T, logs string, reason linking.Reason, ev *presignup.Event) {
	t.Helper()
	if strings.Count(logs, "\n") != 1 || !strings.Contains(logs, `"reason":"`+string(reason)+`"`) {
		t.Errorf("log: %s", logs)
	}
	if e := ev.Request.UserAttributes["email"]; len(e) > 3 && strings.Contains(logs, e) {
		t.Errorf("email in log: %s", logs)
	}
	if _, sub, ok := linking.ParseUserName(ev.UserName, providers); ok && len(sub) > 2 && strings.Contains(logs, ev.UserName) {
		t.Errorf("user name in log: %s", logs)
	}
	if strings.Contains(logs, "internal detail") {
		t.Errorf("AWS message in log: %s", logs)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestDefaultRefusesUntrusted: without a trust decision for the provider,
// every sign-up that matches a native user's verified email is refused with
// the connect message, and nothing is linked or read beyond the lookup;
// sign-ups that match nobody, or whose email the provider does not vouch
// for, proceed as separate users.
func TestDefaultRefusesUntrusted(t *testing.T) {
	for _, tc := range []struct {
		name    string
		ev      *presignup.Event
		users   []fakeUser
		trusted []string
		page    int
		reason  linking.Reason
		refused string
	}{
		{name: "one candidate", ev: event("Google_1", "alice@example.com", "true"), users: []fakeUser{alice},
			reason: linking.ReasonConnectRequired, refused: linking.ConnectMessage("Google")},
		{name: "other provider trusted", ev: event("corp_eu_1", "alice@example.com", "true"), users: []fakeUser{alice}, trusted: []string{"Google", "corp"},
			reason: linking.ReasonConnectRequired, refused: linking.ConnectMessage("corp_eu")},
		{name: "mixed case", ev: event("Google_1", "ALICE@example.com", "true"), users: []fakeUser{alice},
			reason: linking.ReasonConnectRequired, refused: linking.ConnectMessage("Google")},
		{name: "several candidates", ev: event("Google_1", "alice@example.com", "true"),
			users:  []fakeUser{alice, {name: "alice-2", email: "alice@example.com", verified: "true"}},
			reason: linking.ReasonConnectRequired, refused: linking.ConnectMessage("Google")},
		{name: "overflow", ev: event("Google_1", "alice@example.com", "true"), page: 1,
			users:  []fakeUser{{name: "x1", email: "alice@example.com"}, {name: "x2", email: "alice@example.com"}, alice},
			reason: linking.ReasonConnectRequired, refused: linking.ConnectMessage("Google")},
		{name: "candidate with MFA", ev: event("Google_1", "alice@example.com", "true"),
			users:  []fakeUser{{name: "m", email: "alice@example.com", verified: "true", mfa: []string{"SOFTWARE_TOKEN_MFA"}}},
			reason: linking.ReasonConnectRequired, refused: linking.ConnectMessage("Google")},
		{name: "no candidate proceeds", ev: event("Google_1", "bob@example.com", "true"), users: []fakeUser{alice},
			reason: linking.ReasonNoCandidate},
		{name: "unverified native proceeds", ev: event("Google_1", "alice@example.com", "true"),
			users:  []fakeUser{{name: "u", email: "alice@example.com", verified: "false"}},
			reason: linking.ReasonNoCandidate},
		{name: "provider email unverified proceeds", ev: event("Google_1", "alice@example.com", "false"), users: []fakeUser{alice},
			reason: linking.ReasonEmailNotVerified},
		{name: "a linkable provider's email in custom:idp_email", ev: idpEvent("Google_1", "alice@example.com", "true"), users: []fakeUser{alice},
			reason: linking.ReasonConnectRequired, refused: linking.ConnectMessage("Google")},
		{name: "custom:idp_email unverified proceeds", ev: idpEvent("Google_1", "alice@example.com", "false"), users: []fakeUser{alice},
			reason: linking.ReasonEmailNotVerified},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeCognito{users: tc.users, pageSize: tc.page}
			var logs bytes.Buffer
			err := newBehaviourTrusting(t, f, 0, &logs, tc.trusted).Apply(context.Background(), tc.ev)
			if !strings.Contains(logs.String(), `"reason":"`+string(tc.reason)+`"`) || !strings.Contains(logs.String(), `"trusted":false`) {
				t.Errorf("log %s, want reason %s, trusted false", logs.String(), tc.reason)
			}
			var ue *presignup.UserError
			switch {
			case tc.refused == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.refused != "" && (!errors.As(err, &ue) || ue.Message != tc.refused || ue.Reason != string(tc.reason)):
				t.Errorf("refusal %#v, want %q (%s)", err, tc.refused, tc.reason)
			}
			if len(f.links) != 0 || len(f.gets) != 0 {
				t.Errorf("links %d, AdminGetUser %d: want none", len(f.links), len(f.gets))
			}
		})
	}
	if m := linking.ConnectMessage("Mosaic"); m != "An account with this email address already exists. Sign in with your password, then connect Mosaic from your account." {
		t.Errorf("message %q", m)
	}
}

func TestOtherTriggerSourcesNoOp(t *testing.T) {
	for _, src := range []string{presignup.TriggerSignUp, presignup.TriggerAdminCreateUser, "", "PreSignUp_externalprovider", "PostConfirmation_ConfirmSignUp"} {
		f := &fakeCognito{users: []fakeUser{alice}}
		ev := event("Google_1", "alice@example.com", "true")
		ev.TriggerSource = src
		before := *ev
		r, err := newBehaviour(t, f, 0, nil).Decide(context.Background(), ev)
		if r != linking.ReasonNotExternal || err != nil || len(f.filters)+len(f.links) != 0 || ev.Response != before.Response {
			t.Errorf("%q: %s %v calls=%d", src, r, err, len(f.filters)+len(f.links))
		}
	}
	if r, err := newBehaviour(t, &fakeCognito{}, 0, nil).Decide(context.Background(), nil); r != linking.ReasonNotExternal || err != nil {
		t.Errorf("nil event: %s %v", r, err)
	}
}

func TestBudgetFollowsLambdaDeadline(t *testing.T) {
	f := &fakeCognito{users: []fakeUser{alice}}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if r, err := newBehaviour(t, f, 0, nil).Decide(ctx, event("Google_1", "alice@example.com", "true")); r != linking.ReasonLinked || err != nil {
		t.Fatalf("want a link within the budget, got %s %v", r, err)
	}
	for _, d := range f.deadlines {
		if d > time.Second-presignup.DeadlineMargin+50*time.Millisecond {
			t.Fatalf("deadline %v not shortened by the margin", d)
		}
	}
	// A deadline already inside the margin: no call succeeds, refusal.
	f = &fakeCognito{users: []fakeUser{alice}, listErr: context.DeadlineExceeded}
	ctx2, cancel2 := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel2()
	if r, err := newBehaviour(t, f, 0, nil).Decide(ctx2, event("Google_1", "alice@example.com", "true")); r != linking.ReasonDeadlineExceeded || err == nil {
		t.Fatalf("%s %v", r, err)
	}
}

func TestEscapeFilterValue(t *testing.T) {
	for in, want := range map[string]string{
		"alice@example.com":  "alice@example.com",
		`a"b`:                `a\"b`,
		`a\b`:                `a\\b`,
		`\"`:                 `\\\"`,
		`end\`:               `end\\`,
		`"`:                  `\"`,
		"":                   "",
		"ünï\u212a@x":        "ünï\u212a@x",
		`x" or email ^= "`:   `x\" or email ^= \"`,
		`\\"already escaped`: `\\\\\"already escaped`,
	} {
		if got := linking.EscapeFilterValue(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
	if got := linking.EmailFilter(`a"b`); got != `email = "a\"b"` {
		t.Errorf("EmailFilter: %s", got)
	}
}

// FuzzEscapeFilterValue: the escaped value always parses back, with the
// documented grammar, to exactly the input.
func FuzzEscapeFilterValue(f *testing.F) {
	for _, s := range []string{"", `"`, `\`, `a"b\c`, `x" or email ^= "`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if strings.ContainsAny(s, "\n\r") {
			return // the grammar is line based; ValidEmail refuses them
		}
		_, _, v, err := parseFilter(linking.EmailFilter(s))
		if err != nil || v != s {
			t.Fatalf("%q: %q %v", s, v, err)
		}
	})
}

func TestEmailHelpers(t *testing.T) {
	if !linking.EqualFoldASCII("Alice@EXAMPLE.com", "alice@example.COM") {
		t.Error("ASCII fold")
	}
	for _, p := range [][2]string{{"\u212a", "k"}, {"\u017f", "s"}, {"İ", "i"}, {"a", "ab"}, {"ß", "ss"}} {
		if linking.EqualFoldASCII(p[0], p[1]) {
			t.Errorf("%q == %q", p[0], p[1])
		}
	}
	if got := linking.LowerASCII("ÄB\u212aC"); got != "Äb\u212ac" {
		t.Errorf("LowerASCII %q", got)
	}
	if linking.EmailRef("A@x") != linking.EmailRef("a@x") || linking.EmailRef("a@x") == linking.EmailRef("b@x") || linking.EmailRef("a@x") == "" {
		t.Error("EmailRef")
	}
	// Keyed: not the unsalted SHA-256 prefix anyone could recompute.
	sum := sha256.Sum256([]byte("a@x"))
	if strings.Contains(linking.EmailRef("a@x"), hex.EncodeToString(sum[:6])) {
		t.Error("EmailRef is an unkeyed hash")
	}
}

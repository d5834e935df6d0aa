package linking_test

import (
	"bytes"
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/cognitobridge/cognitobridge/lambdas/internal/mototest"
	"github.com/cognitobridge/cognitobridge/lambdas/linking"
	"github.com/cognitobridge/cognitobridge/lambdas/presignup"
	"github.com/cognitobridge/cognitobridge/test/cognitofake"
	"github.com/cognitobridge/cognitobridge/test/motoserver"
)

// TestLinkingWithMoto runs the behaviour (every provider trusted) with the real aws-sdk-go-v2
// Cognito client against moto_server, through cognitofake (ListUsers is
// forwarded to moto after the documented filter unescaping; links are
// recorded by the fake, since moto lacks AdminLinkProviderForUser).
//
// moto 5.2.1 compares the email filter exactly and case-sensitively and
// does not unescape (see cognitofake's TestMotoListUsersFindings), so the
// mixed-case case is found by the ASCII lower-case query.
func TestLinkingWithMoto(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starts moto_server")
	}
	fake := cognitofake.Start(t, motoserver.Start(t))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client := mototest.Cognito(fake.Endpoint())
	poolID := mototest.UserPool(t, ctx, client, "linking")
	for _, u := range []struct{ name, email, verified string }{
		{"alice-native", "alice@example.com", "true"},
		{"quote-native", `q"uote\@example.com`, "true"},
		{"dup-1", "dup@example.com", "true"},
		{"dup-2", "dup@example.com", "true"},
		{"unverified", "carol@example.com", "false"},
	} {
		mototest.CreateUser(t, ctx, client, poolID, u.name, "email", u.email, "email_verified", u.verified)
	}
	b, err := linking.New(client, linking.Config{Providers: providers, MaxIdentities: 5, TrustedProviders: providers})
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	b.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
	ev := func(user, email string) *presignup.Event {
		e := event(user, email, "true")
		e.UserPoolID = poolID
		return e
	}
	run := func(e *presignup.Event) (linking.Reason, error) {
		return b.Decide(ctx, e)
	}
	wantLink := func(i int, dest, provider, subject string) {
		t.Helper()
		links := fake.Links()
		want := cognitofake.Link{UserPoolID: poolID,
			Destination: cognitofake.Identifier{ProviderName: "Cognito", ProviderAttributeValue: dest},
			Source:      cognitofake.Identifier{ProviderName: provider, ProviderAttributeName: "Cognito_Subject", ProviderAttributeValue: subject}}
		if len(links) != i+1 || links[i] != want {
			t.Fatalf("links %+v, want #%d %+v", links, i, want)
		}
	}

	// One native candidate: linked with the documented shape.
	if r, err := run(ev("corp_eu_s-1", "alice@example.com")); r != linking.ReasonLinked || err != nil {
		t.Fatalf("alice: %s %v", r, err)
	}
	wantLink(0, "alice-native", "corp_eu", "s-1")

	// Mixed case: the lower-case query finds the user.
	if r, _ := run(ev("google_s-2", "ALICE@Example.COM")); r != linking.ReasonLinked {
		t.Fatalf("mixed case: %s; log %s", r, logs.String())
	}
	wantLink(1, "alice-native", "Google", "s-2")

	// Quote and backslash: escaped, parsed back by the documented grammar,
	// found by moto; the filter stays one value.
	if r, _ := run(ev("corp_s-3", `q"uote\@example.com`)); r != linking.ReasonLinked {
		t.Fatalf("quote: %s; log %s", r, logs.String())
	}
	wantLink(2, "quote-native", "corp", "s-3")
	filters := fake.Filters()
	if last := filters[len(filters)-1]; last != `email = "q\"uote\\@example.com"` {
		t.Fatalf("filter sent: %s", last)
	}

	// Injection attempt: one literal value, nobody matches, sign-up proceeds.
	if r, err := run(ev("corp_s-4", `x" or email ^= "`)); err != nil || r == linking.ReasonLinked {
		t.Fatalf("injection: %s %v", r, err)
	}
	// Unverified native user: no candidate.
	if r, err := run(ev("corp_s-5", "carol@example.com")); err != nil || r == linking.ReasonLinked {
		t.Fatalf("unverified candidate: %s %v", r, err)
	}
	// Ambiguous: refused, nothing linked.
	if r, err := run(ev("corp_s-6", "dup@example.com")); r != linking.ReasonAmbiguousEmail || err.Error() != linking.MsgAmbiguous {
		t.Fatalf("ambiguous: %s %v", r, err)
	}
	// AWS errors: refused with the generic message, reason code only.
	fake.FailNext("AdminLinkProviderForUser", "LimitExceededException", "Exceeded the limit of linked identities")
	if r, err := run(ev("corp_s-7", "alice@example.com")); r != linking.ReasonAWSLimitExceeded || err.Error() != linking.MsgUnavailable {
		t.Fatalf("limit: %s %v", r, err)
	}
	fake.FailNext("ListUsers", "TooManyRequestsException", "Rate exceeded")
	if r, err := run(ev("corp_s-8", "alice@example.com")); r != linking.ReasonThrottled || err.Error() != linking.MsgUnavailable {
		t.Fatalf("throttled: %s %v", r, err)
	}
	if n := len(fake.Links()); n != 3 {
		t.Fatalf("links after refusals: %d", n)
	}
	if bytes.Contains(logs.Bytes(), []byte("example.com")) || bytes.Contains(logs.Bytes(), []byte("Rate exceeded")) {
		t.Fatalf("email or AWS message logged: %s", logs.String())
	}
}

package e2e

// The attacks the README's security model names for the binding over time
// (issue 7), each through the real Define, Create, Verify and guard binaries,
// with the rightful user's success beside it. The fake Cognito around them is
// cognito_test.go (written from AWS's documentation); the provider is the
// real OpenID Provider on loopback; DynamoDB and Secrets Manager are moto.

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/enrollment"
	"github.com/cognitobridge/cognitobridge/test/motoserver"
	"github.com/cognitobridge/cognitobridge/test/oidcpeer"
)

// freshUser returns a pool user of its own (attributes may be changed by
// the test) with the given email.
func freshUser(name, sub, email string) poolUser {
	return poolUser{name: name, attrs: map[string]string{"sub": sub, "email": email, "email_verified": "true"}}
}

func stepUpClient(s *stack, login, password string) client {
	return client{srp: true, passwordOK: true, answer: s.browser(login, password)}
}

// wantTokens asserts that the sign-in ended with tokens carrying the
// step-up claims.
func wantTokens(t *testing.T, r signIn) {
	t.Helper()
	if !r.issued || r.guardRefused {
		t.Fatalf("the rightful sign-in got no tokens: %+v", r)
	}
	if _, ok := r.claims[contract.ClaimStepUpAt]; !ok {
		t.Fatalf("the rightful sign-in's tokens lack %s: %v", contract.ClaimStepUpAt, r.claims)
	}
}

func wantNoTokens(t *testing.T, r signIn) {
	t.Helper()
	if r.issued || r.claims != nil {
		t.Fatalf("the attack got tokens: %+v", r)
	}
}

// TestAttackEmailRebindAfterEnrollment: a holder of the victim's access
// token rewrites her Cognito email to an address they control and verifies
// it, then steps up with their own provider account, whose verified email is
// that address. The email binding alone would pass it; the enrollment made
// at the victim's first step-up refuses it, and the victim herself still
// passes whatever her email says now.
func TestAttackEmailRebindAfterEnrollment(t *testing.T) {
	moto := startMoto(t)
	peer := oidcpeer.Start(t, oidcpeer.Options{Users: peerUsers})
	s := newStack(t, moto, peer, bindEmail)
	victim := freshUser("carol", "0b6e2a3c-0000-4000-8000-00000000ca01", "alice@example.com")

	first := s.pool.run(t, victim, stepUpClient(s, "alice", "alice-provider-pw"))
	s.remember(first)
	wantTokens(t, first)

	// The attacker's UpdateUserAttributes + VerifyUserAttribute.
	victim.attrs["email"] = "mallory@example.com"

	var attack signIn
	got := reasons(t, s.pool.verify, func() { attack = s.pool.run(t, victim, stepUpClient(s, "mallory", "mallory-provider-pw")) })
	s.remember(attack)
	wantNoTokens(t, attack)
	if !slices.Equal(got, []string{"enrollment_mismatch", "enrollment_mismatch", "enrollment_mismatch"}) {
		t.Errorf("Verify reasons %q, want enrollment_mismatch three times", got)
	}

	rightful := s.pool.run(t, victim, stepUpClient(s, "alice", "alice-provider-pw"))
	s.remember(rightful)
	wantTokens(t, rightful)
}

// TestAttackPasswordOnlyIssuanceRacingStepUp: the attacker knows the
// password and polls plain USER_SRP_AUTH (on a client that allows it: the
// user's own, or AllowUserSrpAuth) while the victim steps up. Their
// issuances land between the victim's Verify and the victim's own token
// issuance. Before the per-sign-in record they consumed the victim's record
// and got tokens with stepup_at; now they get nothing and the victim gets
// her tokens.
func TestAttackPasswordOnlyIssuanceRacingStepUp(t *testing.T) {
	moto := startMoto(t)
	peer := oidcpeer.Start(t, oidcpeer.Options{Users: peerUsers})
	s := newStack(t, moto, peer, bindEmail)
	victim := freshUser("dave", "0b6e2a3c-0000-4000-8000-00000000da01", "alice@example.com")

	// What an attacker can put in the PASSWORD_VERIFIER answer's
	// ClientMetadata: nothing, a guess, a value of their own earlier
	// challenge, the hash of something.
	attackerMetadata := []map[string]string{
		nil,
		{contract.MetadataStepUpBinding: "guess"},
		{contract.MetadataStepUpBinding: contract.BindingHash("guess")},
		{contract.MetadataStepUpReason: contract.StepUpReasonHighValueTransaction},
	}

	t.Run("issuances between Verify and the victim's tokens", func(t *testing.T) {
		var attackerGot int
		cl := stepUpClient(s, "alice", "alice-provider-pw")
		cl.beforeTokens = func() {
			for _, md := range attackerMetadata {
				if ok, claims := s.pool.passwordOnly(t, victim, md); ok || claims != nil {
					attackerGot++
				}
			}
		}
		var r signIn
		got := reasons(t, s.pool.guard, func() { r = s.pool.run(t, victim, cl) })
		s.remember(r)
		if attackerGot != 0 {
			t.Fatalf("%d password-only issuances got tokens", attackerGot)
		}
		wantTokens(t, r)
		want := []string{"binding_missing", "record_missing", "record_missing", "binding_missing", "ok"}
		if !slices.Equal(got, want) {
			t.Errorf("guard reasons %q, want %q", got, want)
		}
	})

	t.Run("three attackers polling through three rounds", func(t *testing.T) {
		var attackerTokens atomic.Int32
		for round := range 3 {
			stop := make(chan struct{})
			var wg sync.WaitGroup
			for a := range 3 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; ; i++ {
						select {
						case <-stop:
							return
						default:
						}
						if ok, _ := s.pool.passwordOnly(t, victim, attackerMetadata[(a+i)%len(attackerMetadata)]); ok {
							attackerTokens.Add(1)
						}
					}
				}()
			}
			r := s.pool.run(t, victim, stepUpClient(s, "alice", "alice-provider-pw"))
			close(stop)
			wg.Wait()
			s.remember(r)
			if !r.issued {
				t.Fatalf("round %d: the victim was refused: %+v", round, r)
			}
			wantTokens(t, r)
		}
		if n := attackerTokens.Load(); n != 0 {
			t.Fatalf("attackers got tokens %d times", n)
		}
	})
}

// TestAttackWarmProviderSessionAnswersWithoutAuthentication: the person's
// provider session is warm (she signed in at the provider's portal this
// morning). A script on the page that phished her password follows the
// challenge's authorize URL itself: no login page, no interaction.
func TestAttackWarmProviderSessionAnswersWithoutAuthentication(t *testing.T) {
	moto := startMoto(t)
	peer := oidcpeer.Start(t, oidcpeer.Options{Users: peerUsers})
	s := newStack(t, moto, peer, bindEmail)
	victim := freshUser("erin", "0b6e2a3c-0000-4000-8000-00000000e401", "alice@example.com")
	morning := time.Now().Add(-3 * time.Hour)

	silently := func(t *testing.T, _ int, pub map[string]string) (string, bool) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		code, state, err := peer.SilentAuthorize(ctx, pub[contract.PublicAuthorizeURL])
		if errors.Is(err, oidcpeer.ErrLoginRequired) {
			return "", false // the script cannot go on: the sign-in is abandoned
		}
		if err != nil {
			t.Fatalf("silent authorize: %v", err)
		}
		s.sensitive = append(s.sensitive, code)
		return answerJSON(code, state), true
	}
	script := client{srp: true, passwordOK: true, answer: silently}

	t.Run("a provider that ignores prompt and max_age: auth_stale", func(t *testing.T) {
		peer.SetWarmSessionSince("alice", morning, false)
		defer peer.ClearWarmSession()
		var r signIn
		got := reasons(t, s.pool.verify, func() { r = s.pool.run(t, victim, script) })
		s.remember(r)
		wantNoTokens(t, r)
		if !slices.Equal(got, []string{"auth_stale", "auth_stale", "auth_stale"}) {
			t.Errorf("Verify reasons %q, want auth_stale three times", got)
		}
		if peer.Calls()[oidcpeer.EndpointSilent] == 0 {
			t.Error("the provider never answered silently: the attack did not run")
		}
	})

	t.Run("a compliant provider: the URL's prompt=login stops the script", func(t *testing.T) {
		peer.SetWarmSessionSince("alice", morning, true)
		defer peer.ClearWarmSession()
		r := s.pool.run(t, victim, script)
		s.remember(r)
		wantNoTokens(t, r)
		if !r.abandoned || len(r.verifies) != 0 {
			t.Fatalf("the script got past the provider's login page: %+v", r)
		}
		q := mustQuery(t, r.creates[0].Response.PublicChallengeParameters[contract.PublicAuthorizeURL])
		if q.Get("max_age") != "0" || q.Get("prompt") != "login" {
			t.Errorf("authorize URL asks for max_age=%q prompt=%q", q.Get("max_age"), q.Get("prompt"))
		}
	})

	t.Run("the person authenticating now passes, even with a warm session", func(t *testing.T) {
		peer.SetWarmSessionSince("alice", morning, true)
		defer peer.ClearWarmSession()
		r := s.pool.run(t, victim, stepUpClient(s, "alice", "alice-provider-pw"))
		s.remember(r)
		wantTokens(t, r)
	})
}

// TestAttackTokenWithoutAuthTime: a provider (or a token) that does not say
// when the person authenticated cannot prove a fresh authentication.
func TestAttackTokenWithoutAuthTime(t *testing.T) {
	moto := startMoto(t)
	peer := oidcpeer.Start(t, oidcpeer.Options{Users: peerUsers})
	s := newStack(t, moto, peer, bindEmail)
	victim := freshUser("frank", "0b6e2a3c-0000-4000-8000-00000000f401", "alice@example.com")

	peer.SetTokenMutator(peer.ResignWithClaims(func(c map[string]any) { delete(c, "auth_time") }))
	var r signIn
	got := reasons(t, s.pool.verify, func() { r = s.pool.run(t, victim, stepUpClient(s, "alice", "alice-provider-pw")) })
	s.remember(r)
	wantNoTokens(t, r)
	if !slices.Equal(got, []string{"auth_time_missing", "auth_time_missing", "auth_time_missing"}) {
		t.Errorf("Verify reasons %q, want auth_time_missing three times", got)
	}

	peer.SetTokenMutator(nil)
	rightful := s.pool.run(t, victim, stepUpClient(s, "alice", "alice-provider-pw"))
	s.remember(rightful)
	wantTokens(t, rightful)
}

// TestAttackStepUpAnsweredWithoutEchoedValue: the challenge is answered
// correctly but the answering call does not carry the challenge's
// stepupBinding (or carries another one). No tokens: the guard cannot tell
// that sign-in from any other of the user. The record stays for the sign-in
// that knows the value.
func TestAttackStepUpAnsweredWithoutEchoedValue(t *testing.T) {
	moto := startMoto(t)
	peer := oidcpeer.Start(t, oidcpeer.Options{Users: peerUsers})
	s := newStack(t, moto, peer, bindEmail)
	victim := freshUser("grace", "0b6e2a3c-0000-4000-8000-00000000a701", "alice@example.com")

	for _, tc := range []struct {
		name     string
		metadata func(map[string]string) map[string]string
		want     string
	}{
		{name: "no metadata", metadata: func(map[string]string) map[string]string { return nil }, want: "binding_missing"},
		{name: "the value only in signIn's metadata", metadata: func(map[string]string) map[string]string {
			return map[string]string{contract.MetadataStepUpReason: contract.StepUpReasonHighValueTransaction}
		}, want: "binding_missing"},
		{name: "the state instead of the value", metadata: func(pub map[string]string) map[string]string {
			return map[string]string{contract.MetadataStepUpBinding: pub[contract.PublicState]}
		}, want: "record_missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cl := stepUpClient(s, "alice", "alice-provider-pw")
			cl.metadata = tc.metadata
			var r signIn
			got := reasons(t, s.pool.guard, func() { r = s.pool.run(t, victim, cl) })
			s.remember(r)
			if !r.guardRefused || r.claims != nil || !slices.Equal(r.verifies, []bool{true}) {
				t.Fatalf("sign-in %+v; want Verify to pass and the guard to refuse", r)
			}
			if !slices.Equal(got, []string{tc.want}) {
				t.Errorf("guard reasons %q, want %q", got, tc.want)
			}
		})
	}
	rightful := s.pool.run(t, victim, stepUpClient(s, "alice", "alice-provider-pw"))
	s.remember(rightful)
	wantTokens(t, rightful)
}

// TestAdminOnlyEnrollment: with admin-only enrollment nobody enrolls by
// first use, not even the rightful person; an administrator's pre-enrollment
// (the enrollment store cmd/cognitobridge-enroll uses) lets exactly that
// provider identity in.
func TestAdminOnlyEnrollment(t *testing.T) {
	moto := startMoto(t)
	peer := oidcpeer.Start(t, oidcpeer.Options{Users: peerUsers})
	s := newStackWith(t, moto, peer, bindEmail, map[string]string{contract.EnvEnrollment: contract.EnrollmentAdminOnly})
	victim := freshUser("heidi", "0b6e2a3c-0000-4000-8000-00000000b401", "alice@example.com")

	var r signIn
	got := reasons(t, s.pool.verify, func() { r = s.pool.run(t, victim, stepUpClient(s, "alice", "alice-provider-pw")) })
	s.remember(r)
	wantNoTokens(t, r)
	if len(got) == 0 || got[0] != "not_enrolled" {
		t.Fatalf("Verify reasons %q, want not_enrolled", got)
	}

	db := dynamodb.New(dynamodb.Options{Region: region, BaseEndpoint: aws.String(moto), Credentials: motoserver.Credentials})
	admin := enrollment.NewStore(db, s.table, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := admin.PreEnroll(ctx, s.pool.poolID, victim.attrs["sub"], enrollment.Identity{Issuer: peer.Issuer(), Subject: "sub-alice"}, "admin:e2e"); err != nil {
		t.Fatalf("PreEnroll: %v", err)
	}
	// Another provider account with the victim's email is still refused.
	mallory := s.pool.run(t, victim, stepUpClient(s, "bob", "bob-provider-pw"))
	s.remember(mallory)
	wantNoTokens(t, mallory)

	rightful := s.pool.run(t, victim, stepUpClient(s, "alice", "alice-provider-pw"))
	s.remember(rightful)
	wantTokens(t, rightful)
}

func mustQuery(t *testing.T, raw string) url.Values {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("authorize URL %q: %v", raw, err)
	}
	return u.Query()
}

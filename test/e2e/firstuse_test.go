package e2e

import (
	"slices"
	"testing"

	"github.com/cognitobridge/cognitobridge/test/oidcpeer"
)

// TestAttackAnotherPersonsCodeOnFirstUse: another person's valid code of the
// same tenant, presented at the victim's very first step-up (no enrollment
// yet), through the real binaries with the enrollment recorder (moto's
// DynamoDB) in place. The first-use binding refuses it (email: the
// provider's verified email is not the victim's; username: the provider's
// username is not the Cognito user name), nothing is enrolled for the
// victim, and the victim's own first step-up then enrolls her identity (the
// other person stays refused, now by the enrollment).
func TestAttackAnotherPersonsCodeOnFirstUse(t *testing.T) {
	moto := startMoto(t)
	peer := oidcpeer.Start(t, oidcpeer.Options{Users: peerUsers})
	for _, c := range []struct {
		name    string
		binding binding
		victim  poolUser
	}{
		{"bind email", bindEmail, freshUser("ivan", "0b6e2a3c-0000-4000-8000-00000000f101", "alice@example.com")},
		{"bind username", bindUsername, freshUser("alice", "0b6e2a3c-0000-4000-8000-00000000f102", "alice@example.com")},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := newStack(t, moto, peer, c.binding)
			var attack signIn
			got := reasons(t, s.pool.verify, func() { attack = s.pool.run(t, c.victim, stepUpClient(s, "bob", "bob-provider-pw")) })
			s.remember(attack)
			wantNoTokens(t, attack)
			if !slices.Equal(got, []string{"binding_mismatch", "binding_mismatch", "binding_mismatch"}) {
				t.Fatalf("Verify reasons %q: want a first-use binding refusal (no enrollment exists yet)", got)
			}

			rightful := s.pool.run(t, c.victim, stepUpClient(s, "alice", "alice-provider-pw"))
			s.remember(rightful)
			wantTokens(t, rightful)

			// The first use enrolled the victim's identity, not the other
			// person's: the other person is now refused by the enrollment.
			got = reasons(t, s.pool.verify, func() { attack = s.pool.run(t, c.victim, stepUpClient(s, "bob", "bob-provider-pw")) })
			s.remember(attack)
			wantNoTokens(t, attack)
			if len(got) == 0 || got[0] != "enrollment_mismatch" {
				t.Errorf("after enrollment: Verify reasons %q, want enrollment_mismatch", got)
			}
		})
	}
}

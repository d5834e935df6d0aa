package stepup

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// fakeCap counts Take calls and answers ok until max, or err.
type fakeCap struct {
	takes []string
	max   int
	err   error
}

func (f *fakeCap) Take(_ context.Context, poolID, user string) (bool, error) {
	f.takes = append(f.takes, poolID+"/"+user)
	if f.err != nil {
		return false, f.err
	}
	return len(f.takes) <= f.max, nil
}

func TestCreateCountsStartsAfterThePassword(t *testing.T) {
	withSub := func(ev CreateEvent) CreateEvent {
		ev.Request.UserAttributes = map[string]string{"sub": "sub-alice"}
		return ev
	}
	passwordless := withSub(createEvent("alice", false))
	passwordless.Request.Session = nil
	failedPassword := withSub(createEvent("alice", false))
	failedPassword.Request.Session[1].ChallengeResult = false
	for _, tc := range []struct {
		name    string
		ev      CreateEvent
		counted bool
	}{
		{"after the password", withSub(createEvent("alice", false)), true},
		{"unknown user", createEvent("nobody", true), false},
		{"passwordless", passwordless, false},
		{"no password passed", failedPassword, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, _ := newBlockIDCreate(t)
			c := &fakeCap{max: 1}
			h.Cap = c
			if _, err := h.Handle(context.Background(), tc.ev); err != nil {
				t.Fatalf("first start refused: %v", err)
			}
			if got := len(c.takes) == 1; got != tc.counted {
				t.Fatalf("counted %v (%v), want %v", got, c.takes, tc.counted)
			}
			_, err := h.Handle(context.Background(), tc.ev)
			if tc.counted != (err != nil) {
				t.Fatalf("second start beyond a cap of 1: err %v, want refused %v", err, tc.counted)
			}
		})
	}

	t.Run("key and refusal", func(t *testing.T) {
		h, logs := newBlockIDCreate(t)
		c := &fakeCap{max: 0}
		h.Cap = c
		out, err := h.Handle(context.Background(), withSub(createEvent("alice", false)))
		if err == nil || out.Response.PublicChallengeParameters != nil {
			t.Fatalf("beyond the cap: %+v, %v", out.Response, err)
		}
		if len(c.takes) != 1 || c.takes[0] != "eu-west-1_pool/sub-alice" {
			t.Fatalf("takes %v, want the pool and the sub", c.takes)
		}
		if !strings.Contains(logs.String(), `"reason":"`+contract.ReasonUserCapReached+`"`) {
			t.Fatalf("log: %s", logs)
		}
	})

	t.Run("table unavailable: refused", func(t *testing.T) {
		h, logs := newBlockIDCreate(t)
		h.Cap = &fakeCap{err: errors.New("throttled")}
		if _, err := h.Handle(context.Background(), withSub(createEvent("alice", false))); err == nil {
			t.Fatal("a start the table could not count passed")
		}
		if !strings.Contains(logs.String(), `"reason":"record_failed"`) {
			t.Fatalf("log: %s", logs)
		}
	})
}

func TestUserCapConfigFromEnv(t *testing.T) {
	env := map[string]string{contract.EnvStepUpTable: "T"}
	get := func(k string) string { return env[k] }
	c, err := UserCapConfigFromEnv(get, contract.ProviderOIDC)
	if err != nil || c.Kind != contract.UserCapKindChallenge || c.Max != contract.DefaultUserCapChallenges || c.Window != 15*time.Minute || c.Table != "T" {
		t.Fatalf("oidc defaults %+v, %v", c, err)
	}
	c, err = UserCapConfigFromEnv(get, contract.ProviderBlockIDSession)
	if err != nil || c.Kind != contract.UserCapKindSession || c.Max != contract.DefaultUserCapSessions {
		t.Fatalf("session defaults %+v, %v", c, err)
	}
	env[contract.EnvUserCapStarts], env[contract.EnvUserCapWindowSeconds] = "7", "3600"
	if c, err = UserCapConfigFromEnv(get, contract.ProviderBlockID); err != nil || c.Max != 7 || c.Window != time.Hour {
		t.Fatalf("set %+v, %v", c, err)
	}
	env = map[string]string{contract.EnvUserCapStarts: "0", contract.EnvUserCapWindowSeconds: "59"}
	_, err = UserCapConfigFromEnv(get, contract.ProviderOIDC)
	for _, k := range []string{contract.EnvStepUpTable, contract.EnvUserCapStarts, contract.EnvUserCapWindowSeconds} {
		if err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("error %v does not name %s", err, k)
		}
	}
}

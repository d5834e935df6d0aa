package stepup

import (
	"bytes"
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

func TestVerifyHangingTokenEndpointBudget(t *testing.T) {
	start := time.Now()
	got, _ := runVerify(t, verifyCase{
		env: func(e map[string]string) { e[contract.EnvBudgetMillis] = "300" },
		op:  func(op *testOP) { op.hang = 10 * time.Second },
	})
	if got != ReasonDeadlineExceeded {
		t.Fatalf("reason = %s, want deadline_exceeded", got)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("took %v", d)
	}
}

func TestVerifyLambdaDeadlineWins(t *testing.T) {
	op := newTestOP(t)
	op.hang = 10 * time.Second
	cfg := mustConfig(t, baseEnv(op)) // budget 4 s
	quiet := slog.New(slog.NewJSONHandler(&bytes.Buffer{}, nil))
	c := NewCreateHandler(cfg, StaticSecret(secretOf(testClientSecret)), nil)
	c.Logger = quiet
	cev, err := c.Handle(context.Background(), CreateEvent{Header: Header{UserName: "alice"}, Request: CreateRequest{ChallengeName: ChallengeCustom}})
	if err != nil {
		t.Fatal(err)
	}
	code := op.authorize(cev.Response.PublicChallengeParameters[contract.PublicAuthorizeURL], aliceClaims())
	h := NewVerifyHandler(cfg, StaticSecret(secretOf(testClientSecret)), nil, BindingOnly{})
	h.Logger = quiet
	ctx, cancel := context.WithTimeout(context.Background(), 800*time.Millisecond)
	defer cancel()
	start := time.Now()
	out, err := h.Handle(ctx, VerifyEvent{Header: Header{UserName: "alice"}, Request: VerifyRequest{
		UserAttributes:             aliceAttrs(),
		PrivateChallengeParameters: cev.Response.PrivateChallengeParameters,
		ChallengeAnswer:            AnswerJSON(code, cev.Response.PublicChallengeParameters[contract.PublicState]),
	}})
	if err != nil || out.Response.AnswerCorrect {
		t.Fatalf("got %v, %v", out.Response.AnswerCorrect, err)
	}
	if d := time.Since(start); d > 700*time.Millisecond {
		t.Fatalf("took %v, want < lambda deadline - 300ms", d)
	}
}

func TestDiscoveryFailureNotCached(t *testing.T) {
	op := newTestOP(t)
	op.discoveryFail.Store(1)
	cfg := mustConfig(t, baseEnv(op))
	var logs bytes.Buffer
	c := NewCreateHandler(cfg, StaticSecret(secretOf(testClientSecret)), nil)
	c.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
	ev := CreateEvent{Header: Header{UserName: "alice"}, Request: CreateRequest{ChallengeName: ChallengeCustom}}
	if _, err := c.Handle(context.Background(), ev); err == nil {
		t.Fatal("first Create should fail while discovery is down")
	}
	if r := loggedReason(t, logs.String()); r != ReasonProviderUnavailable {
		t.Fatalf("reason = %s", r)
	}
	for i := 0; i < 3; i++ {
		if _, err := c.Handle(context.Background(), ev); err != nil {
			t.Fatalf("Create after recovery: %v", err)
		}
	}
	if n := op.discoveryCalls.Load(); n != 2 {
		t.Fatalf("discovery calls = %d, want 2 (failure not cached, success cached)", n)
	}
}

func TestVerifyBlockID(t *testing.T) {
	got, _ := runVerify(t, verifyCase{
		env: func(e map[string]string) {
			e[contract.EnvProvider] = contract.ProviderBlockID
			e[contract.EnvAuthorizeURL] = e[contract.EnvIssuer] + "/authorize"
			e[contract.EnvTokenURL] = e[contract.EnvIssuer] + "/token"
			e[contract.EnvJWKSURL] = e[contract.EnvIssuer] + "/jwks"
			e[contract.EnvACRValues] = `["liveID push","otp sms"]`
			e[contract.EnvRequiredACR] = `["liveID push"]`
			delete(e, contract.EnvRedirectURI)
		},
		secrets: func(*testOP) SecretSource {
			return StaticSecret(contract.ProviderSecret{ClientSecret: testClientSecret, TenantDNS: "tenant.example", Community: "default"})
		},
		createSecrets: StaticSecret(contract.ProviderSecret{ClientSecret: testClientSecret, TenantDNS: "tenant.example", Community: "default"}),
		claims: func(c map[string]any) {
			delete(c, "email")
			c["username"] = "alice"
		},
	})
	if got != ReasonOK {
		t.Fatalf("reason = %s", got)
	}
}

package stepup

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// noNetwork fails the test on any outbound request.
type noNetwork struct{ t *testing.T }

func (n noNetwork) RoundTrip(r *http.Request) (*http.Response, error) {
	n.t.Errorf("unexpected request to %s", r.URL.Host)
	return nil, errors.New("no network")
}

func blockIDEnv() map[string]string {
	return map[string]string{
		contract.EnvProvider:     contract.ProviderBlockID,
		contract.EnvSecretARN:    "arn:aws:secretsmanager:eu-west-1:123456789012:secret:x",
		contract.EnvACRValues:    `["liveID push","otp sms"]`,
		contract.EnvScopes:       "openid profile",
		contract.EnvBudgetMillis: "1000",
	}
}

var blockIDSecret = contract.ProviderSecret{ClientSecret: testClientSecret, ClientID: "bid-client", TenantDNS: "tenant.1kosmos.net", Community: "default"}

func newBlockIDCreate(t *testing.T) (*CreateHandler, *bytes.Buffer) {
	cfg := mustConfig(t, blockIDEnv())
	h := NewCreateHandler(cfg, StaticSecret(blockIDSecret), &http.Client{Transport: noNetwork{t}})
	var logs bytes.Buffer
	h.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
	return h, &logs
}

func createEvent(user string, notFound bool) CreateEvent {
	return CreateEvent{
		Header: Header{Version: "1", TriggerSource: "CreateAuthChallenge_Authentication", UserPoolID: "eu-west-1_pool", UserName: user},
		Request: CreateRequest{ChallengeName: ChallengeCustom, UserNotFound: notFound, Session: []ChallengeResult{
			{ChallengeName: ChallengeSRPA, ChallengeResult: true}, {ChallengeName: ChallengePasswordVerifier, ChallengeResult: true},
		}},
	}
}

func TestCreateBlockIDParameters(t *testing.T) {
	h, logs := newBlockIDCreate(t)
	out, err := h.Handle(context.Background(), createEvent("alice", false))
	if err != nil {
		t.Fatal(err)
	}
	if out.Response.ChallengeMetadata != contract.ChallengeMetadata {
		t.Fatalf("metadata = %q", out.Response.ChallengeMetadata)
	}
	pub, priv := out.Response.PublicChallengeParameters, out.Response.PrivateChallengeParameters
	u, err := url.Parse(pub[contract.PublicAuthorizeURL])
	if err != nil {
		t.Fatal(err)
	}
	if got := u.Scheme + "://" + u.Host + u.Path; got != "https://tenant.1kosmos.net/oauth2/community/default/v1/authorize" {
		t.Fatalf("authorize endpoint = %s", got)
	}
	q := u.Query()
	want := map[string]string{
		"response_type":         "code",
		"client_id":             "bid-client",
		"redirect_uri":          "https://tenant.1kosmos.net/admin/default/post_stepup",
		"scope":                 "openid profile",
		"state":                 priv[contract.PrivateState],
		"nonce":                 priv[contract.PrivateNonce],
		"code_challenge":        oauth2.S256ChallengeFromVerifier(priv[contract.PrivateCodeVerifier]),
		"code_challenge_method": "S256",
		"login_hint":            "alice",
		"acr_values":            "liveID push otp sms",
		"claims":                `{"id_token":{"acr":{"essential":true,"values":["liveID push","otp sms"]},"username":{"essential":true}}}`,
	}
	for k, v := range want {
		if q.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, q.Get(k), v)
		}
	}
	wantPub := map[string]string{
		contract.PublicProvider:  contract.ProviderBlockID,
		contract.PublicClientID:  "bid-client",
		contract.PublicState:     priv[contract.PrivateState],
		contract.PublicTenantDNS: "tenant.1kosmos.net",
		contract.PublicCommunity: "default",
		contract.PublicACR:       "'liveID push','otp sms'",
	}
	for k, v := range wantPub {
		if pub[k] != v {
			t.Errorf("public %s = %q, want %q", k, pub[k], v)
		}
	}
	for _, k := range []string{contract.PrivateState, contract.PrivateNonce, contract.PrivateCodeVerifier} {
		if len(priv[k]) < 43 {
			t.Errorf("private %s too short: %d chars", k, len(priv[k]))
		}
	}
	for k, v := range pub {
		if strings.Contains(v, priv[contract.PrivateNonce]) && k != contract.PublicAuthorizeURL {
			t.Errorf("public %s carries the nonce", k)
		}
		if strings.Contains(v, priv[contract.PrivateCodeVerifier]) || strings.Contains(v, testClientSecret) {
			t.Errorf("public %s carries the verifier or secret", k)
		}
	}
	if r := loggedReason(t, logs.String()); r != ReasonOK {
		t.Fatalf("reason = %s", r)
	}
	assertNoLeak(t, logs.String(), testClientSecret, priv[contract.PrivateState], priv[contract.PrivateNonce], priv[contract.PrivateCodeVerifier])
}

func TestCreateUniqueness(t *testing.T) {
	h, _ := newBlockIDCreate(t)
	h.Logger = slog.New(slog.NewJSONHandler(&bytes.Buffer{}, nil))
	seen := map[string]bool{}
	for i := 0; i < 200; i++ {
		out, err := h.Handle(context.Background(), createEvent("alice", false))
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{contract.PrivateState, contract.PrivateNonce, contract.PrivateCodeVerifier} {
			v := out.Response.PrivateChallengeParameters[k]
			if seen[v] {
				t.Fatalf("%s repeated", k)
			}
			seen[v] = true
		}
	}
}

func paramKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }

func TestCreateUserNotFoundSameShape(t *testing.T) {
	h, _ := newBlockIDCreate(t)
	known, err := h.Handle(context.Background(), createEvent("alice", false))
	if err != nil {
		t.Fatal(err)
	}
	unknown, err := h.Handle(context.Background(), createEvent("nobody", true))
	if err != nil {
		t.Fatalf("unknown user must get a challenge too: %v", err)
	}
	if !slices.Equal(paramKeys(known.Response.PublicChallengeParameters), paramKeys(unknown.Response.PublicChallengeParameters)) ||
		!slices.Equal(paramKeys(known.Response.PrivateChallengeParameters), paramKeys(unknown.Response.PrivateChallengeParameters)) ||
		known.Response.ChallengeMetadata != unknown.Response.ChallengeMetadata {
		t.Fatal("unknown user answer differs in shape")
	}
	ku, _ := url.Parse(known.Response.PublicChallengeParameters[contract.PublicAuthorizeURL])
	uu, _ := url.Parse(unknown.Response.PublicChallengeParameters[contract.PublicAuthorizeURL])
	if ku.Host != uu.Host || ku.Path != uu.Path || !slices.Equal(slices.Sorted(maps.Keys(ku.Query())), slices.Sorted(maps.Keys(uu.Query()))) {
		t.Fatal("unknown user authorize URL differs in shape")
	}
	for k := range known.Response.PrivateChallengeParameters {
		if len(known.Response.PrivateChallengeParameters[k]) != len(unknown.Response.PrivateChallengeParameters[k]) {
			t.Fatalf("private %s length differs", k)
		}
	}
}

func TestCreateRefusals(t *testing.T) {
	cases := []struct {
		name    string
		env     func(map[string]string)
		secrets SecretSource
		ev      func(*CreateEvent)
		want    Reason
	}{
		{name: "not a custom challenge", ev: func(e *CreateEvent) { e.Request.ChallengeName = ChallengePasswordVerifier }, want: ReasonChallengeUnsupported},
		{name: "secret unavailable", secrets: failingSecret{}, want: ReasonSecretUnavailable},
		{name: "secret panics", secrets: failingSecret{panicking: true}, want: ReasonInternalError},
		{name: "nil secret source", secrets: SecretSource(nil), want: ReasonSecretUnavailable},
		{name: "tenant missing", secrets: StaticSecret(contract.ProviderSecret{ClientSecret: "x", ClientID: "c", Community: "default"}), want: ReasonSecretInvalid},
		{name: "tenant with path", secrets: StaticSecret(contract.ProviderSecret{ClientSecret: "x", ClientID: "c", TenantDNS: "evil.example/x", Community: "default"}), want: ReasonSecretInvalid},
		{name: "tenant with userinfo", secrets: StaticSecret(contract.ProviderSecret{ClientSecret: "x", ClientID: "c", TenantDNS: "a@evil.example", Community: "default"}), want: ReasonSecretInvalid},
		{name: "community traversal", secrets: StaticSecret(contract.ProviderSecret{ClientSecret: "x", ClientID: "c", TenantDNS: "t.example", Community: "../x"}), want: ReasonSecretInvalid},
		{name: "no client id anywhere", secrets: StaticSecret(contract.ProviderSecret{ClientSecret: "x", TenantDNS: "t.example", Community: "default"}), want: ReasonSecretInvalid},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := blockIDEnv()
			if tc.env != nil {
				tc.env(env)
			}
			secrets := SecretSource(StaticSecret(blockIDSecret))
			if tc.name == "nil secret source" || tc.secrets != nil {
				secrets = tc.secrets
			}
			h := NewCreateHandler(mustConfig(t, env), secrets, &http.Client{Transport: noNetwork{t}})
			var logs bytes.Buffer
			h.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
			ev := createEvent("alice", false)
			if tc.ev != nil {
				tc.ev(&ev)
			}
			out, err := h.Handle(context.Background(), ev)
			if err == nil || err.Error() != errChallengeUnavailable.Error() {
				t.Fatalf("err = %v, want the generic error", err)
			}
			if len(out.Response.PrivateChallengeParameters) != 0 || len(out.Response.PublicChallengeParameters) != 0 {
				t.Fatal("refusal carries parameters")
			}
			if r := loggedReason(t, logs.String()); r != tc.want {
				t.Fatalf("reason = %s, want %s", r, tc.want)
			}
		})
	}
}

func TestCreateGenericOIDCDiscovery(t *testing.T) {
	op := newTestOP(t)
	env := baseEnv(op)
	env[contract.EnvACRValues] = `["urn:acr:mfa"]`
	h := NewCreateHandler(mustConfig(t, env), StaticSecret(secretOf(testClientSecret)), nil)
	h.Logger = slog.New(slog.NewJSONHandler(&bytes.Buffer{}, nil))
	out, err := h.Handle(context.Background(), createEvent("alice", false))
	if err != nil {
		t.Fatal(err)
	}
	pub := out.Response.PublicChallengeParameters
	if !strings.HasPrefix(pub[contract.PublicAuthorizeURL], op.issuer()+"/authorize?") {
		t.Fatalf("authorize URL = %s", pub[contract.PublicAuthorizeURL])
	}
	q, _ := url.Parse(pub[contract.PublicAuthorizeURL])
	if q.Query().Get("claims") != "" || q.Query().Get("acr_values") != "urn:acr:mfa" {
		t.Fatal("generic OIDC: no claims parameter, acr_values expected")
	}
	for _, k := range []string{contract.PublicTenantDNS, contract.PublicCommunity, contract.PublicACR} {
		if _, ok := pub[k]; ok {
			t.Fatalf("generic OIDC carries %s", k)
		}
	}
}

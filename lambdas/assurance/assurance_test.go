package assurance

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/smithy-go"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/envtest"
	"github.com/cognitobridge/cognitobridge/lambdas/pretokengen"
)

// fakeCognito records the admin calls and fails when told to.
type fakeCognito struct {
	mu      sync.Mutex
	updates []map[string]string
	deletes [][]string
	fail    error
}

func (f *fakeCognito) AdminUpdateUserAttributes(_ context.Context, in *cip.AdminUpdateUserAttributesInput, _ ...func(*cip.Options)) (*cip.AdminUpdateUserAttributesOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return nil, f.fail
	}
	m := map[string]string{}
	for _, a := range in.UserAttributes {
		m[aws.ToString(a.Name)] = aws.ToString(a.Value)
	}
	f.updates = append(f.updates, m)
	return &cip.AdminUpdateUserAttributesOutput{}, nil
}

func (f *fakeCognito) AdminDeleteUserAttributes(_ context.Context, in *cip.AdminDeleteUserAttributesInput, _ ...func(*cip.Options)) (*cip.AdminDeleteUserAttributesOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return nil, f.fail
	}
	f.deletes = append(f.deletes, slices.Clone(in.UserAttributeNames))
	return &cip.AdminDeleteUserAttributesOutput{}, nil
}

var t0 = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

func behaviour(c Cognito) *Behaviour {
	b, err := New(c, Config{Providers: []string{"BlockID"}})
	if err != nil {
		panic(err)
	}
	b.Now = func() time.Time { return t0 }
	return b
}

func event(source, version string, attrs map[string]string) pretokengen.Event {
	var ev pretokengen.Event
	ev.Version, ev.TriggerSource, ev.UserPoolID, ev.UserName = version, source, "eu-west-1_Pool1", "BlockID_abc"
	ev.Request.UserAttributes = attrs
	return ev
}

func proofed(email string) map[string]string {
	return map[string]string{"email": email, "email_verified": "true",
		contract.AttrIAL: "2", contract.AttrIALAt: "2026-11-30T09:00:00Z", contract.AttrIALEmail: "alice@example.com", contract.AttrIALSource: contract.AssuranceSourceProofing}
}

const blockIDIdentity = `[{"userId":"abc","providerName":"BlockID","providerType":"OIDC","issuer":null,"primary":true,"dateCreated":1}]`

func federated(raw string, extra map[string]string) map[string]string {
	m := map[string]string{"email": "alice@example.com", "email_verified": "true", "identities": blockIDIdentity, contract.AttrIdPIALRaw: raw}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

func TestBinding(t *testing.T) {
	cases := []struct {
		name     string
		ev       pretokengen.Event
		reason   string
		claims   map[string]any
		suppress bool
		deletes  int
	}{
		{"no assurance", event("TokenGeneration_Authentication", "2", map[string]string{"email": "a@example.com"}), ReasonNone, nil, false, 0},
		{"bound, v2: also in the access token", event("TokenGeneration_Authentication", "2", proofed("alice@example.com")), ReasonBound,
			map[string]any{contract.AttrIAL: "2", contract.AttrIALAt: "2026-11-30T09:00:00Z"}, false, 0},
		{"bound, ASCII case of the email differs", event("TokenGeneration_RefreshTokens", "2", proofed("Alice@Example.COM")), ReasonBound,
			map[string]any{contract.AttrIAL: "2", contract.AttrIALAt: "2026-11-30T09:00:00Z"}, false, 0},
		{"bound, v1: the ID token carries the attributes", event("TokenGeneration_Authentication", "1", proofed("alice@example.com")), ReasonBound, nil, false, 0},
		{"email changed after proofing", event("TokenGeneration_RefreshTokens", "2", proofed("mallory@example.com")), ReasonBroken, nil, true, 1},
		{"email no longer verified", event("TokenGeneration_Authentication", "1", func() map[string]string {
			m := proofed("alice@example.com")
			m["email_verified"] = "false"
			return m
		}()), ReasonBroken, nil, true, 1},
		{"assurance without a binding", event("TokenGeneration_Authentication", "2", map[string]string{"email": "alice@example.com", "email_verified": "true", contract.AttrIAL: "2"}), ReasonBroken, nil, true, 1},
		// A raw claim at any issuance but the provider's own sign-in is a
		// leftover: it grants nothing and is deleted.
		{"raw claim ignored outside the provider's sign-in", event("TokenGeneration_RefreshTokens", "2", federated(`["ial3"]`, nil)), ReasonNone, nil, false, 1},
		{"raw claim ignored for a user without the provider's identity", event(TriggerHostedAuth, "2", map[string]string{
			"email": "a@example.com", "email_verified": "true", contract.AttrIdPIALRaw: "ial2"}), ReasonNone, nil, false, 1},
		{"a provider's assurance after the provider was disconnected", event("TokenGeneration_Authentication", "2", map[string]string{
			"email": "alice@example.com", "email_verified": "true", contract.AttrIAL: "2", contract.AttrIALAt: "2026-11-30T09:00:00Z",
			contract.AttrIALEmail: "alice@example.com", contract.AttrIALSource: "BlockID"}), ReasonBroken, nil, true, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := &fakeCognito{}
			d := behaviour(c).Apply(context.Background(), tc.ev)
			if !d.Pass || d.Reason != tc.reason {
				t.Fatalf("decision %+v, want pass with %s", d, tc.reason)
			}
			if len(tc.claims) != len(d.Claims) {
				t.Fatalf("claims %v, want %v", d.Claims, tc.claims)
			}
			for k, v := range tc.claims {
				if d.Claims[k] != v {
					t.Fatalf("claims %v, want %v", d.Claims, tc.claims)
				}
			}
			if got := slices.Equal(d.Suppress, contract.AssuranceAttributes); got != tc.suppress || (!tc.suppress && d.Suppress != nil) {
				t.Fatalf("suppress %v", d.Suppress)
			}
			if len(c.deletes) != tc.deletes || len(c.updates) != 0 {
				t.Fatalf("calls: deletes %v updates %v", c.deletes, c.updates)
			}
		})
	}
}

func TestFederatedAssurance(t *testing.T) {
	ctx := context.Background()
	t.Run("granted at the provider's sign-in", func(t *testing.T) {
		c := &fakeCognito{}
		d := behaviour(c).Apply(ctx, event(TriggerHostedAuth, "2", federated(`["pwd","ial2"]`, nil)))
		want := map[string]string{contract.AttrIAL: "2", contract.AttrIALAt: "2026-12-01T10:00:00Z", contract.AttrIALEmail: "alice@example.com", contract.AttrIALSource: "BlockID"}
		if !d.Pass || d.Reason != ReasonGranted || len(c.updates) != 1 || !mapsEqual(c.updates[0], want) {
			t.Fatalf("decision %+v, updates %v", d, c.updates)
		}
		if len(c.deletes) != 1 || !slices.Equal(c.deletes[0], []string{contract.AttrIdPIALRaw}) {
			t.Fatalf("the claim was not consumed: deletes %v", c.deletes)
		}
		if d.Claims[contract.AttrIAL] != "2" || d.Claims[contract.AttrIALSource] != "BlockID" || d.Suppress != nil {
			t.Fatalf("claims %v suppress %v", d.Claims, d.Suppress)
		}
	})
	t.Run("granted, v1: nothing stale in this ID token", func(t *testing.T) {
		c := &fakeCognito{}
		d := behaviour(c).Apply(ctx, event(TriggerHostedAuth, "1", federated("ial2", nil)))
		if d.Reason != ReasonGranted || d.Claims != nil || !slices.Equal(d.Suppress, contract.AssuranceAttributes) || len(c.updates) != 1 {
			t.Fatalf("decision %+v", d)
		}
	})
	t.Run("re-asserted: no write, original time kept", func(t *testing.T) {
		c := &fakeCognito{}
		attrs := federated("ial2", map[string]string{contract.AttrIAL: "2", contract.AttrIALAt: "2026-11-01T00:00:00Z", contract.AttrIALEmail: "alice@example.com", contract.AttrIALSource: "BlockID"})
		d := behaviour(c).Apply(ctx, event(TriggerHostedAuth, "2", attrs))
		if d.Reason != ReasonBound || len(c.updates) != 0 || d.Claims[contract.AttrIALAt] != "2026-11-01T00:00:00Z" {
			t.Fatalf("decision %+v, updates %v", d, c.updates)
		}
	})
	t.Run("the provider no longer asserts a level: withdrawn", func(t *testing.T) {
		c := &fakeCognito{}
		attrs := federated(`["pwd"]`, map[string]string{contract.AttrIAL: "2", contract.AttrIALAt: "2026-11-01T00:00:00Z", contract.AttrIALEmail: "alice@example.com", contract.AttrIALSource: "BlockID"})
		d := behaviour(c).Apply(ctx, event(TriggerHostedAuth, "2", attrs))
		if !d.Pass || d.Reason != ReasonWithdrawn || len(c.deletes) != 2 || !slices.Equal(c.deletes[0], []string{contract.AttrIdPIALRaw}) || len(c.deletes[1]) != 4 ||
			!slices.Equal(d.Suppress, contract.AssuranceAttributes) || d.Claims != nil {
			t.Fatalf("decision %+v, deletes %v", d, c.deletes)
		}
	})
	t.Run("a provider sign-in without a level leaves proofing's assurance", func(t *testing.T) {
		c := &fakeCognito{}
		attrs := federated(`["pwd"]`, proofed("alice@example.com"))
		d := behaviour(c).Apply(ctx, event(TriggerHostedAuth, "2", attrs))
		if d.Reason != ReasonProviderNoIAL || len(c.deletes) != 1 || len(c.updates) != 0 || d.Claims[contract.AttrIAL] != "2" {
			t.Fatalf("decision %+v", d)
		}
	})
	t.Run("a sign-in that wrote no claim changes nothing", func(t *testing.T) {
		// A password sign-in of a user linked to the provider, or a
		// sign-in through another provider: no raw claim (consumed at the
		// provider's last sign-in), the provider's assurance stays as it is.
		c := &fakeCognito{}
		attrs := federated("", map[string]string{contract.AttrIAL: "2", contract.AttrIALAt: "2026-11-01T00:00:00Z", contract.AttrIALEmail: "alice@example.com", contract.AttrIALSource: "BlockID"})
		delete(attrs, contract.AttrIdPIALRaw)
		d := behaviour(c).Apply(ctx, event(TriggerHostedAuth, "2", attrs))
		if d.Reason != ReasonBound || len(c.deletes)+len(c.updates) != 0 || d.Claims[contract.AttrIAL] != "2" {
			t.Fatalf("decision %+v, calls %v %v", d, c.deletes, c.updates)
		}
		delete(attrs, contract.AttrIAL)
		d = behaviour(c).Apply(ctx, event(TriggerHostedAuth, "2", attrs))
		if len(c.updates) != 0 || d.Claims[contract.AttrIAL] != nil {
			t.Fatalf("granted without a claim: %+v, updates %v", d, c.updates)
		}
	})
	t.Run("the minimum level", func(t *testing.T) {
		c := &fakeCognito{}
		d := behaviour(c).Apply(ctx, event(TriggerHostedAuth, "2", federated(`["pwd","ial1"]`, nil)))
		if d.Reason != ReasonBelowMinimum || len(c.updates) != 0 || d.Claims != nil || len(c.deletes) != 1 {
			t.Fatalf("ial1 under the default minimum: %+v", d)
		}
		c = &fakeCognito{}
		prev := map[string]string{contract.AttrIAL: "2", contract.AttrIALAt: "2026-11-01T00:00:00Z", contract.AttrIALEmail: "alice@example.com", contract.AttrIALSource: "BlockID"}
		d = behaviour(c).Apply(ctx, event(TriggerHostedAuth, "2", federated("ial1", prev)))
		if d.Reason != ReasonWithdrawn || len(c.deletes) != 2 || d.Claims != nil {
			t.Fatalf("ial1 after the provider's ial2: %+v", d)
		}
		c = &fakeCognito{}
		b := behaviour(c)
		b.MinimumLevel = 1
		d = b.Apply(ctx, event(TriggerHostedAuth, "2", federated("ial1", nil)))
		if d.Reason != ReasonGranted || len(c.updates) != 1 || c.updates[0][contract.AttrIAL] != "1" {
			t.Fatalf("ial1 with minimum 1: %+v", d)
		}
		b.MinimumLevel = 3
		d = b.Apply(ctx, event(TriggerHostedAuth, "2", federated("ial2", nil)))
		if d.Reason != ReasonBelowMinimum || d.Claims != nil {
			t.Fatalf("ial2 with minimum 3: %+v", d)
		}
	})
	t.Run("the claim cannot be consumed: refused, nothing granted", func(t *testing.T) {
		c := &fakeCognito{fail: errors.New("down")}
		d := behaviour(c).Apply(ctx, event(TriggerHostedAuth, "2", federated("ial2", nil)))
		if d.Pass || d.Reason != ReasonUnavailable || len(c.updates) != 0 {
			t.Fatalf("decision %+v, updates %v", d, c.updates)
		}
	})
	t.Run("an unverified mapped email gets no assurance", func(t *testing.T) {
		c := &fakeCognito{}
		d := behaviour(c).Apply(ctx, event(TriggerHostedAuth, "2", federated("ial2", map[string]string{"email_verified": "false"})))
		if d.Reason != ReasonProviderNoIAL || len(c.updates) != 0 || d.Claims != nil {
			t.Fatalf("decision %+v", d)
		}
	})
	t.Run("Cognito failing: the sign-in is refused", func(t *testing.T) {
		c := &fakeCognito{fail: &smithy.GenericAPIError{Code: "TooManyRequestsException", Message: "Rate exceeded"}}
		d := behaviour(c).Apply(ctx, event(TriggerHostedAuth, "2", federated("ial2", nil)))
		if d.Pass || d.Reason != ReasonUnavailable || !errors.Is(d.Refusal, ErrUnavailable) {
			t.Fatalf("decision %+v", d)
		}
		for _, a := range d.Log {
			if strings.Contains(a.Value.String(), "Rate exceeded") {
				t.Fatal("AWS message logged")
			}
		}
	})
	t.Run("a broken binding whose deletion fails still suppresses", func(t *testing.T) {
		c := &fakeCognito{fail: errors.New("down")}
		d := behaviour(c).Apply(ctx, event("TokenGeneration_Authentication", "2", proofed("other@example.com")))
		if !d.Pass || d.Reason != ReasonBroken || !slices.Equal(d.Suppress, contract.AssuranceAttributes) {
			t.Fatalf("decision %+v", d)
		}
	})
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestParseLevel(t *testing.T) {
	cases := map[string]string{
		`["ial2"]`:                   "2",
		`["pwd","IAL:1","ial_3"]`:    "3",
		"/assurance/ial/2":           "2",
		"liveID ial2":                "2",
		"otp,ial1":                   "1",
		"urn:example:loa:ial:2":      "2",
		"":                           "",
		"2":                          "",
		"dial2":                      "",
		"ial4":                       "",
		`["ial2"`:                    "",
		strings.Repeat("ial2 ", 500): "",
	}
	for raw, want := range cases {
		got, ok := ParseLevel(raw)
		if got != want || ok != (want != "") {
			t.Errorf("ParseLevel(%.40q) = %q, %v; want %q", raw, got, ok, want)
		}
	}
}

func TestConfigFromEnv(t *testing.T) {
	env := func(v string) func(string) string { return envtest.One(contract.EnvAssuranceProviders, v) }
	if c, err := ConfigFromEnv(env("")); err != nil || len(c.Providers) != 0 {
		t.Fatalf("empty: %v %v", c, err)
	}
	if c, err := ConfigFromEnv(env(`["BlockID","Other"]`)); err != nil || !slices.Equal(c.Providers, []string{"BlockID", "Other"}) {
		t.Fatalf("two: %v %v", c, err)
	}
	for _, bad := range []string{`BlockID`, `["a b"]`, `[""]`, `["x","x"]`, `[1]`} {
		if _, err := ConfigFromEnv(env(bad)); err == nil || !strings.Contains(err.Error(), contract.EnvAssuranceProviders) {
			t.Errorf("%s: %v", bad, err)
		}
	}
}

func TestMinimumLevelFromEnv(t *testing.T) {
	env := func(v string) func(string) string { return envtest.One(contract.EnvAssuranceMinimumLevel, v) }
	for v, want := range map[string]int{"": contract.DefaultAssuranceMinimumLevel, "1": 1, "2": 2, "3": 3} {
		if c, err := ConfigFromEnv(env(v)); err != nil || c.MinimumLevel != want {
			t.Errorf("%q: %v %v, want %d", v, c.MinimumLevel, err, want)
		}
	}
	for _, bad := range []string{"0", "4", "02", "+2", " 2", "two", "2.0", "-1"} {
		if _, err := ConfigFromEnv(env(bad)); err == nil || !strings.Contains(err.Error(), contract.EnvAssuranceMinimumLevel) || !strings.Contains(err.Error(), "expected an integer from 1 to 3") {
			t.Errorf("%q: %v", bad, err)
		}
	}
	if _, err := New(&fakeCognito{}, Config{MinimumLevel: 4}); err == nil {
		t.Error("New accepted minimum level 4")
	}
}

// The behaviour through the pre token generation handler, with a JSON event
// shaped like Cognito's: a broken binding reaches Cognito as
// idTokenGeneration.claimsToSuppress (v2) or claimsOverrideDetails (v1).
func TestContractThroughHandler(t *testing.T) {
	for _, version := range []string{"1", "2"} {
		c := &fakeCognito{}
		h := pretokengen.New(behaviour(c))
		h.Logger = nil
		raw := `{"version":"` + version + `","triggerSource":"TokenGeneration_RefreshTokens","region":"eu-west-1","userPoolId":"eu-west-1_Pool1",
"userName":"alice","callerContext":{"awsSdkVersion":"aws-sdk-unknown-unknown","clientId":"client1"},
"request":{"userAttributes":{"sub":"s-1","email":"mallory@example.com","email_verified":"true","custom:ial":"2","custom:ial_at":"2026-11-30T09:00:00Z",
"custom:ial_email":"alice@example.com","custom:ial_src":"proofing"},"groupConfiguration":{"groupsToOverride":[],"iamRolesToOverride":[],"preferredRole":null}},
"response":{}}`
		out, err := lambda.NewHandler(h.Handle).Invoke(context.Background(), []byte(raw))
		if err != nil {
			t.Fatal(err)
		}
		var got struct {
			Response map[string]json.RawMessage `json:"response"`
		}
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatal(err)
		}
		key, want := "claimsOverrideDetails", `{"claimsToSuppress":["custom:ial","custom:ial_at","custom:ial_email","custom:ial_src"]}`
		if version == "2" {
			key, want = "claimsAndScopeOverrideDetails", `{"idTokenGeneration":{"claimsToSuppress":["custom:ial","custom:ial_at","custom:ial_email","custom:ial_src"]}}`
		}
		if string(got.Response[key]) != want || len(c.deletes) != 1 {
			t.Fatalf("v%s: response %s, deletes %v", version, out, c.deletes)
		}
	}
}

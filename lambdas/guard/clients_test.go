package guard

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

type fakeSSM struct {
	value string
	err   error
	calls int
}

func (f *fakeSSM) GetParameter(_ context.Context, in *ssm.GetParameterInput, _ ...func(*ssm.Options)) (*ssm.GetParameterOutput, error) {
	f.calls++
	if f.err != nil {
		return nil, f.err
	}
	return &ssm.GetParameterOutput{Parameter: &ssmtypes.Parameter{Name: in.Name, Value: aws.String(f.value)}}, nil
}

func TestParameterClients(t *testing.T) {
	f := &fakeSSM{value: "webclient0001,webclient0002,custom-auth-only:webclient0002,custom-auth-only:mobileclient01"}
	now := now0
	p := NewParameterClients(f, "/cognitobridge/x/protected-clients", time.Minute)
	p.Now = func() time.Time { return now }
	ctx := context.Background()
	for _, tc := range []struct {
		client string
		want   Protection
	}{
		{"webclient0001", ProtectedAnyFlow},
		{"webclient0002", ProtectedCustomAuthOnly},
		// A marker alone protects nothing (only a plain id protects).
		{"mobileclient01", Unprotected},
		{"custom-auth-only:webclient0002", Unprotected},
		{"", Unprotected},
		{"webclient000", Unprotected},
	} {
		if got, err := p.Protection(ctx, tc.client); err != nil || got != tc.want {
			t.Errorf("Protection(%q) = %v, %v; want %v", tc.client, got, err, tc.want)
		}
	}
	if f.calls != 1 {
		t.Fatalf("GetParameter calls = %d within the TTL, want 1", f.calls)
	}
	// After the TTL a failed refresh keeps the last good list.
	now = now.Add(time.Minute)
	f.err = errors.New("throttled")
	if got, err := p.Protection(ctx, "webclient0001"); err != nil || got != ProtectedAnyFlow {
		t.Fatalf("after a failed refresh = %v, %v", got, err)
	}
	// A refresh that works replaces it.
	f.err, f.value = nil, "mobileclient01"
	now = now.Add(time.Minute)
	if got, _ := p.Protection(ctx, "webclient0001"); got != Unprotected {
		t.Fatal("the old list survived a successful refresh")
	}
	// A cold container without the list cannot say whom it protects.
	cold := NewParameterClients(&fakeSSM{err: errors.New("down")}, "/x", 0)
	if _, err := cold.Protection(ctx, "webclient0001"); err == nil {
		t.Fatal("a failed first fetch was not an error")
	}
	for _, v := range []string{"", " , ,", "custom-auth-only:a"} {
		if _, err := NewParameterClients(&fakeSSM{value: v}, "/x", 0).Protection(ctx, "a"); err == nil {
			t.Errorf("list %q accepted", v)
		}
	}
}

type staticClients map[string]Protection

func (s staticClients) Protection(_ context.Context, c string) (Protection, error) { return s[c], nil }

type failingClients struct{}

func (failingClients) Protection(context.Context, string) (Protection, error) {
	return Unprotected, errors.New("down")
}

// TestGuardActsOnItsClientsOnly: sign-ins on clients the step-up does not
// protect pass untouched (nothing consumed, no claims); protected ones keep
// the rule; an unreadable list refuses.
func TestGuardActsOnItsClientsOnly(t *testing.T) {
	for _, tc := range []struct {
		name      string
		protected ProtectedClients
		policy    string
		trigger   string // default TokenGeneration_Authentication
		client    string
		metadata  map[string]string
		record    bool
		want      Reason
		claims    bool
		consumed  bool
		storeCall bool
	}{
		{name: "other client without record passes untouched", protected: staticClients{client: ProtectedAnyFlow}, client: "mobileclient01", want: ReasonUnprotectedClient},
		{name: "other client echoing a value consumes nothing", protected: staticClients{client: ProtectedAnyFlow}, client: "mobileclient01", record: true, metadata: map[string]string{contract.MetadataStepUpBinding: binding}, want: ReasonUnprotectedClient},
		{name: "protected client without record refused", protected: staticClients{client: ProtectedAnyFlow}, client: client, metadata: map[string]string{}, want: ReasonBindingMissing},
		{name: "protected client with its record passes with claims", protected: staticClients{client: ProtectedAnyFlow}, client: client, record: true, want: ReasonOK, claims: true, consumed: true, storeCall: true},
		{name: "list unreadable refuses", protected: failingClients{}, client: "mobileclient01", want: ReasonClientsUnavailable},
		{name: "no list: every client protected", protected: nil, client: "mobileclient01", metadata: map[string]string{}, want: ReasonBindingMissing},
		{name: "on demand: ordinary sign-in passes without claims", protected: staticClients{client: ProtectedAnyFlow}, policy: contract.PolicyOnDemand, client: client, metadata: map[string]string{}, want: ReasonOKNoStepUp},
		{name: "on demand: step-up sign-in gets its claims", protected: staticClients{client: ProtectedAnyFlow}, policy: contract.PolicyOnDemand, client: client, record: true, want: ReasonOK, claims: true, consumed: true, storeCall: true},
		// GetTokensFromRefreshToken arrives as TokenGeneration_Authentication
		// without the sign-in's metadata: it passes without claims only
		// where Define decided every sign-in.
		{name: "custom-auth-only client: refresh without a value passes without claims", protected: staticClients{client: ProtectedCustomAuthOnly}, client: client, metadata: map[string]string{}, want: ReasonOKCustomAuthOnly},
		{name: "custom-auth-only client: its step-up sign-in still gets claims", protected: staticClients{client: ProtectedCustomAuthOnly}, client: client, record: true, want: ReasonOK, claims: true, consumed: true, storeCall: true},
		{name: "custom-auth-only client: a wrong value is refused", protected: staticClients{client: ProtectedCustomAuthOnly}, client: client, record: true, metadata: map[string]string{contract.MetadataStepUpBinding: "guess"}, want: ReasonRecordMissing, storeCall: true},
		{name: "custom-auth-only client: hosted sign-in without a record refused", protected: staticClients{client: ProtectedCustomAuthOnly}, trigger: TriggerHostedAuth, client: client, metadata: map[string]string{}, want: ReasonBindingMissing},
		{name: "custom-auth-only client: new-password challenge refused", protected: staticClients{client: ProtectedCustomAuthOnly}, trigger: TriggerNewPasswordChallenge, client: client, metadata: map[string]string{}, want: ReasonBindingMissing},
		{name: "custom-auth-only client: device authentication refused", protected: staticClients{client: ProtectedCustomAuthOnly}, trigger: TriggerAuthenticateDevice, client: client, metadata: map[string]string{}, want: ReasonBindingMissing},
		{name: "no list: custom-auth-only unknown, refresh refused", protected: nil, client: client, metadata: map[string]string{}, want: ReasonBindingMissing},
		{name: "on demand: a wrong value is refused", protected: staticClients{client: ProtectedAnyFlow}, policy: contract.PolicyOnDemand, client: client, record: true, metadata: map[string]string{contract.MetadataStepUpBinding: "guess"}, want: ReasonRecordMissing, storeCall: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeStore()
			if tc.record {
				f.put(pool, sub, now0)
			}
			h := newTestHandler(f, nil)
			h.Protected, h.Policy = tc.protected, tc.policy
			trigger := tc.trigger
			if trigger == "" {
				trigger = TriggerAuthentication
			}
			ev := event(trigger)
			ev.Version = "2"
			ev.CallerContext.ClientID = tc.client
			if tc.metadata != nil {
				ev.Request.ClientMetadata = tc.metadata
			}
			d := h.Apply(context.Background(), ev)
			if Reason(d.Reason) != tc.want || d.Pass != tc.want.Passes() {
				t.Fatalf("Apply = %+v, want %s", d, tc.want)
			}
			if (d.Claims != nil) != tc.claims {
				t.Fatalf("claims %v, want claims=%v", d.Claims, tc.claims)
			}
			if (len(f.consumed) > 0) != tc.consumed || (f.calls > 0) != tc.storeCall {
				t.Fatalf("consumed %v, store calls %d", f.consumed, f.calls)
			}
			if tc.record {
				f.put(pool, sub, now0) // Apply consumed it; Handle gets its own
			}
			out, err := h.Handle(context.Background(), ev)
			if tc.want.Passes() && (err != nil || (!tc.claims && string(out.Response.ClaimsAndScopeOverrideDetails) != "null")) {
				t.Fatalf("Handle = %+v, %v", out.Response, err)
			}
		})
	}
}

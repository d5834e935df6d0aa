package guard

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/steprecord"
)

var now0 = time.Unix(1_700_000_000, 0)

// fakeStore keeps records in memory with steprecord's rules: a record is
// removed by the first Consume, fresh, stale or of another client.
type fakeStore struct {
	mu       sync.Mutex
	records  map[string]fakeRecord
	consumed []string // keys of records that existed when consumed
	calls    int
	err      error
	panics   bool
	block    bool // wait for ctx to end
	deadline time.Duration
}

type fakeRecord struct {
	at     time.Time
	client string
}

func newFakeStore() *fakeStore { return &fakeStore{records: map[string]fakeRecord{}} }

// put records a step-up passed at at on the test app client.
func (f *fakeStore) put(pool, sub string, at time.Time) { f.putClient(pool, sub, client, at) }

func (f *fakeStore) putClient(pool, sub, clientID string, at time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.records[pool+"#"+sub+"#"+contract.BindingHash(binding)] = fakeRecord{at: at, client: clientID}
}

func (f *fakeStore) ConsumeAt(ctx context.Context, in steprecord.SignIn, now time.Time, window time.Duration) (time.Time, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if d, ok := ctx.Deadline(); ok {
		f.deadline = d.Sub(now)
	}
	if f.panics {
		panic("boom")
	}
	if f.block {
		<-ctx.Done()
		return time.Time{}, ctx.Err()
	}
	if f.err != nil {
		return time.Time{}, f.err
	}
	key, err := steprecord.Key(in.PoolID, in.Sub, in.BindingHash)
	if err != nil {
		return time.Time{}, err
	}
	rec, ok := f.records[key]
	if !ok {
		return time.Time{}, steprecord.ErrRecordMissing
	}
	delete(f.records, key)
	f.consumed = append(f.consumed, key)
	if rec.at.Before(now.Add(-window)) || rec.at.After(now.Add(steprecord.FutureSkew)) {
		return time.Time{}, steprecord.ErrRecordStale
	}
	if rec.client != in.ClientID {
		return time.Time{}, steprecord.ErrRecordOtherClient
	}
	return rec.at, nil
}

const (
	pool   = "us-east-1_AbCdEf123"
	sub    = "6f1c2c3e-0000-4000-8000-000000000001"
	client = "1example23456789" // the app client of event() and the Cognito samples
	// binding is the per-challenge value of the step-up sign-in event()
	// echoes; put records under its hash.
	binding = "bXktY2hhbGxlbmdlLXZhbHVl"
)

func event(source string) Event {
	return Event{
		Header: Header{
			Version:       "1",
			TriggerSource: source,
			Region:        "us-east-1",
			UserPoolID:    pool,
			UserName:      "alice",
			CallerContext: CallerContext{AWSSDKVersion: "aws-sdk-unknown-unknown", ClientID: client},
		},
		Request: Request{
			UserAttributes: map[string]string{"sub": sub, "email": "alice@example.com", "cognito:user_status": "CONFIRMED"},
			ClientMetadata: map[string]string{contract.MetadataStepUpBinding: binding},
		},
	}
}

func newTestHandler(store Consumer, logs *bytes.Buffer) *Handler {
	h := New(store, time.Minute)
	h.Now = func() time.Time { return now0 }
	if logs != nil {
		h.Logger = slog.New(slog.NewJSONHandler(logs, nil))
	}
	return h
}

func TestDecide(t *testing.T) {
	fresh := func(f *fakeStore) { f.put(pool, sub, now0.Add(-5*time.Second)) }
	for _, tc := range []struct {
		name  string
		setup func(*fakeStore)
		ev    func() Event
		want  Reason
		calls int
	}{
		{name: "refresh passes without record", ev: func() Event { return event(TriggerRefreshTokens) }, want: ReasonOKRefresh, calls: 0},
		{name: "authentication with fresh record", setup: fresh, ev: func() Event { return event(TriggerAuthentication) }, want: ReasonOK, calls: 1},
		{name: "authentication without record", ev: func() Event { return event(TriggerAuthentication) }, want: ReasonRecordMissing, calls: 1},
		{name: "hosted auth without record", ev: func() Event { return event(TriggerHostedAuth) }, want: ReasonRecordMissing, calls: 1},
		{name: "new password challenge without record", ev: func() Event { return event(TriggerNewPasswordChallenge) }, want: ReasonRecordMissing, calls: 1},
		{name: "device auth without record", ev: func() Event { return event(TriggerAuthenticateDevice) }, want: ReasonRecordMissing, calls: 1},
		{name: "hosted auth with fresh record", setup: fresh, ev: func() Event { return event(TriggerHostedAuth) }, want: ReasonOK, calls: 1},
		{name: "unknown trigger source needs record", ev: func() Event { return event("TokenGeneration_Something") }, want: ReasonRecordMissing, calls: 1},
		{name: "unknown trigger source with record", setup: fresh, ev: func() Event { return event("TokenGeneration_Something") }, want: ReasonOK, calls: 1},
		{name: "refresh in other case is not refresh", ev: func() Event { return event("tokengeneration_refreshtokens") }, want: ReasonRecordMissing, calls: 1},
		{name: "empty trigger source", ev: func() Event { return event("") }, want: ReasonRecordMissing, calls: 1},
		{name: "stale record", setup: func(f *fakeStore) { f.put(pool, sub, now0.Add(-61*time.Second)) }, ev: func() Event { return event(TriggerAuthentication) }, want: ReasonRecordStale, calls: 1},
		{name: "future record", setup: func(f *fakeStore) { f.put(pool, sub, now0.Add(time.Minute)) }, ev: func() Event { return event(TriggerAuthentication) }, want: ReasonRecordStale, calls: 1},
		{name: "other user's record", setup: func(f *fakeStore) { f.put(pool, "someone-else", now0) }, ev: func() Event { return event(TriggerAuthentication) }, want: ReasonRecordMissing, calls: 1},
		{name: "other pool's record", setup: func(f *fakeStore) { f.put("us-east-1_Other", sub, now0) }, ev: func() Event { return event(TriggerAuthentication) }, want: ReasonRecordMissing, calls: 1},
		{name: "record keyed by user name does not count", setup: func(f *fakeStore) { f.put(pool, "alice", now0) }, ev: func() Event { return event(TriggerAuthentication) }, want: ReasonRecordMissing, calls: 1},
		{name: "record of another app client", setup: func(f *fakeStore) { f.putClient(pool, sub, "2other98765432", now0) }, ev: func() Event { return event(TriggerAuthentication) }, want: ReasonRecordOtherClient, calls: 1},
		{name: "event of another app client", setup: fresh, ev: func() Event {
			e := event(TriggerHostedAuth)
			e.CallerContext.ClientID = "2other98765432"
			return e
		}, want: ReasonRecordOtherClient, calls: 1},
		{name: "event without client id", setup: fresh, ev: func() Event {
			e := event(TriggerAuthentication)
			e.CallerContext = CallerContext{}
			return e
		}, want: ReasonRecordOtherClient, calls: 1},
		{name: "refresh of another client passes without record", ev: func() Event {
			e := event(TriggerRefreshTokens)
			e.CallerContext.ClientID = "2other98765432"
			return e
		}, want: ReasonOKRefresh, calls: 0},
		{name: "missing sub", setup: fresh, ev: func() Event {
			e := event(TriggerAuthentication)
			delete(e.Request.UserAttributes, "sub")
			return e
		}, want: ReasonEventMalformed, calls: 0},
		{name: "nil attributes", ev: func() Event {
			e := event(TriggerAuthentication)
			e.Request.UserAttributes = nil
			return e
		}, want: ReasonEventMalformed, calls: 0},
		{name: "missing pool id", setup: fresh, ev: func() Event {
			e := event(TriggerAuthentication)
			e.UserPoolID = ""
			return e
		}, want: ReasonEventMalformed, calls: 0},
		{name: "store error", setup: func(f *fakeStore) { f.err = errors.New("throttled") }, ev: func() Event { return event(TriggerAuthentication) }, want: ReasonStoreUnavailable, calls: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeStore()
			if tc.setup != nil {
				tc.setup(f)
			}
			h := newTestHandler(f, nil)
			if got := h.Decide(context.Background(), tc.ev()); got != tc.want {
				t.Fatalf("Decide = %s, want %s", got, tc.want)
			}
			if f.calls != tc.calls {
				t.Fatalf("store calls = %d, want %d", f.calls, tc.calls)
			}
		})
	}
}

// TestPasswordOnlyIssuanceConsumesNothing: an issuance that does not echo
// the challenge's value (a password-only USER_SRP_AUTH sign-in racing the
// step-up, or a guess) is refused and leaves the step-up sign-in's record
// for that sign-in.
func TestPasswordOnlyIssuanceConsumesNothing(t *testing.T) {
	for _, tc := range []struct {
		name     string
		metadata map[string]string
		want     Reason
		calls    int
	}{
		{name: "no metadata", metadata: nil, want: ReasonBindingMissing, calls: 0},
		{name: "empty value", metadata: map[string]string{contract.MetadataStepUpBinding: ""}, want: ReasonBindingMissing, calls: 0},
		{name: "oversized value", metadata: map[string]string{contract.MetadataStepUpBinding: strings.Repeat("a", contract.MaxBindingValue+1)}, want: ReasonBindingMissing, calls: 0},
		{name: "wrong value", metadata: map[string]string{contract.MetadataStepUpBinding: "guess"}, want: ReasonRecordMissing, calls: 1},
		{name: "the hash instead of the value", metadata: map[string]string{contract.MetadataStepUpBinding: contract.BindingHash(binding)}, want: ReasonRecordMissing, calls: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeStore()
			f.put(pool, sub, now0)
			h := newTestHandler(f, nil)
			attacker := event(TriggerAuthentication)
			attacker.Request.ClientMetadata = tc.metadata
			if got := h.Decide(context.Background(), attacker); got != tc.want || f.calls != tc.calls {
				t.Fatalf("attacker = %s with %d store calls, want %s with %d", got, f.calls, tc.want, tc.calls)
			}
			if got := h.Decide(context.Background(), event(TriggerAuthentication)); got != ReasonOK {
				t.Fatalf("rightful sign-in after the attacker = %s", got)
			}
		})
	}
}

func TestRecordConsumedOnce(t *testing.T) {
	f := newFakeStore()
	f.put(pool, sub, now0)
	h := newTestHandler(f, nil)
	if _, err := h.Handle(context.Background(), event(TriggerAuthentication)); err != nil {
		t.Fatalf("first issuance refused: %v", err)
	}
	if _, err := h.Handle(context.Background(), event(TriggerAuthentication)); !errors.Is(err, ErrStepUpRequired) {
		t.Fatalf("second issuance = %v, want ErrStepUpRequired", err)
	}
}

// TestOtherClientConsumesRecord: a record offered to another app client is
// gone afterwards, so the client it was written for cannot use it either.
func TestOtherClientConsumesRecord(t *testing.T) {
	f := newFakeStore()
	f.put(pool, sub, now0)
	var logs bytes.Buffer
	h := newTestHandler(f, &logs)
	other := event(TriggerAuthentication)
	other.CallerContext.ClientID = "2other98765432"
	if _, err := h.Handle(context.Background(), other); !errors.Is(err, ErrStepUpRequired) {
		t.Fatalf("other client = %v, want ErrStepUpRequired", err)
	}
	if !strings.Contains(logs.String(), `"reason":"record_other_client"`) {
		t.Fatalf("log = %s", logs.String())
	}
	if got := h.Decide(context.Background(), event(TriggerAuthentication)); got != ReasonRecordMissing {
		t.Fatalf("own client after other = %s, want %s", got, ReasonRecordMissing)
	}
}

func TestHandleRefusesWithGenericErrorAndLogsReason(t *testing.T) {
	var logs bytes.Buffer
	h := newTestHandler(newFakeStore(), &logs)
	out, err := h.Handle(context.Background(), event(TriggerAuthentication))
	if err == nil || err.Error() != "step-up required" {
		t.Fatalf("err = %v", err)
	}
	if out.UserPoolID != "" || out.Request.UserAttributes != nil {
		t.Fatal("refusal must not echo the event")
	}
	var line map[string]any
	if err := json.Unmarshal(logs.Bytes(), &line); err != nil {
		t.Fatalf("log line not one JSON object: %v: %s", err, logs.String())
	}
	if line["reason"] != "record_missing" || line["issued"] != false || line["level"] != "WARN" || line["triggerSource"] != TriggerAuthentication {
		t.Fatalf("log line = %v", line)
	}
	for _, leak := range []string{"alice", sub, "example.com"} {
		if strings.Contains(logs.String(), leak) {
			t.Fatalf("log leaks %q: %s", leak, logs.String())
		}
	}
}

func TestHandlePassResponse(t *testing.T) {
	at := now0.Add(-5 * time.Second)
	stepUp := fmt.Sprintf(`{"claimsAndScopeOverrideDetails":{"idTokenGeneration":{"claimsToAddOrOverride":{"cognitobridge:stepup_at":%d,"cognitobridge:stepup_reason":"sign_in"}},`+
		`"accessTokenGeneration":{"claimsToAddOrOverride":{"cognitobridge:stepup_at":%d,"cognitobridge:stepup_reason":"sign_in"}}}}`, at.Unix(), at.Unix())
	for _, tc := range []struct{ version, want string }{
		{"1", `{"claimsOverrideDetails":null}`},
		{"", `{"claimsOverrideDetails":null}`},
		{"2", stepUp},
		{"3", stepUp},
	} {
		f := newFakeStore()
		f.put(pool, sub, at)
		ev := event(TriggerAuthentication)
		ev.Version = tc.version
		ev.Response = Response{ClaimsOverrideDetails: json.RawMessage(`{"claimsToAddOrOverride":{"x":"y"}}`)}
		out, err := newTestHandler(f, nil).Handle(context.Background(), ev)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := json.Marshal(out.Response)
		if string(got) != tc.want {
			t.Errorf("version %q response = %s, want %s", tc.version, got, tc.want)
		}
		if out.Request.UserAttributes["sub"] != sub {
			t.Errorf("request not passed through")
		}
	}
}

// stepUpClaims returns the claims a pass response adds to the access and
// the ID token (nil when none).
func stepUpClaims(t *testing.T, r Response) (access, id map[string]any) {
	t.Helper()
	if len(r.ClaimsAndScopeOverrideDetails) == 0 || string(r.ClaimsAndScopeOverrideDetails) == "null" {
		return nil, nil
	}
	var d struct {
		ID     *struct{ ClaimsToAddOrOverride map[string]any } `json:"idTokenGeneration"`
		Access *struct{ ClaimsToAddOrOverride map[string]any } `json:"accessTokenGeneration"`
	}
	if err := json.Unmarshal(r.ClaimsAndScopeOverrideDetails, &d); err != nil || d.ID == nil || d.Access == nil {
		t.Fatalf("override details %s: %v", r.ClaimsAndScopeOverrideDetails, err)
	}
	return d.Access.ClaimsToAddOrOverride, d.ID.ClaimsToAddOrOverride
}

// TestStepUpClaimsOnlyOnConsumedRecord: the claims come only with a record
// consumed on a version 2/3 event, never on refresh, never on refusal.
func TestStepUpClaimsOnlyOnConsumedRecord(t *testing.T) {
	at := now0.Add(-7 * time.Second)
	for _, tc := range []struct {
		name    string
		source  string
		version string
		record  bool
		claims  bool
		refused bool
	}{
		{name: "v2 step-up sign-in", source: TriggerAuthentication, version: "2", record: true, claims: true},
		{name: "v3 step-up sign-in", source: TriggerAuthentication, version: "3", record: true, claims: true},
		{name: "v2 hosted auth with record", source: TriggerHostedAuth, version: "2", record: true, claims: true},
		{name: "v2 refresh adds nothing", source: TriggerRefreshTokens, version: "2", claims: false},
		{name: "v2 refresh with an unspent record adds nothing and keeps it", source: TriggerRefreshTokens, version: "2", record: true, claims: false},
		{name: "v1 step-up sign-in has no access token claims", source: TriggerAuthentication, version: "1", record: true, claims: false},
		{name: "v2 without record is refused", source: TriggerAuthentication, version: "2", refused: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeStore()
			if tc.record {
				f.put(pool, sub, at)
			}
			ev := event(tc.source)
			ev.Version = tc.version
			ev.Request.ClientMetadata[contract.MetadataStepUpReason] = contract.StepUpReasonHighValueTransaction
			var logs bytes.Buffer
			out, err := newTestHandler(f, &logs).Handle(context.Background(), ev)
			if tc.refused {
				if !errors.Is(err, ErrStepUpRequired) || out.Response.ClaimsAndScopeOverrideDetails != nil {
					t.Fatalf("= %+v, %v; want refusal", out.Response, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			access, id := stepUpClaims(t, out.Response)
			if !tc.claims {
				if access != nil || id != nil || strings.Contains(logs.String(), "stepupReason") {
					t.Fatalf("claims added: %s", out.Response.ClaimsAndScopeOverrideDetails)
				}
				if tc.record && tc.source == TriggerRefreshTokens && len(f.records) != 1 {
					t.Fatal("refresh consumed the record")
				}
				return
			}
			for name, c := range map[string]map[string]any{"access": access, "id": id} {
				if len(c) != 2 || c[contract.ClaimStepUpAt] != float64(at.Unix()) || c[contract.ClaimStepUpReason] != contract.StepUpReasonHighValueTransaction {
					t.Fatalf("%s token claims = %v", name, c)
				}
			}
			if !strings.Contains(logs.String(), `"stepupReason":"high_value_transaction"`) {
				t.Fatalf("log = %s", logs.String())
			}
		})
	}
}

// TestStepUpAtIsPassedAtSeconds: stepup_at is the record's passedAt (not
// the issuance time), rounded down to whole seconds.
func TestStepUpAtIsPassedAtSeconds(t *testing.T) {
	f := newFakeStore()
	at := now0.Add(-42*time.Second + 999*time.Millisecond)
	f.put(pool, sub, at)
	ev := event(TriggerAuthentication)
	ev.Version = "2"
	out, err := newTestHandler(f, nil).Handle(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	access, _ := stepUpClaims(t, out.Response)
	if got := access[contract.ClaimStepUpAt]; got != float64(now0.Unix()-42) {
		t.Fatalf("stepup_at = %v, want %d", got, now0.Unix()-42)
	}
	if got := access[contract.ClaimStepUpReason]; got != contract.StepUpReasonSignIn {
		t.Fatalf("reason without metadata = %v", got)
	}
}

func TestStepUpReasonAllowList(t *testing.T) {
	allowed := []string{"high_value_transaction", "payout_change"}
	for _, tc := range []struct {
		name string
		meta map[string]string
		want string
	}{
		{"nil metadata", nil, "sign_in"},
		{"no key", map[string]string{"k": "v"}, "sign_in"},
		{"allowed", map[string]string{"stepup_reason": "high_value_transaction"}, "high_value_transaction"},
		{"second allowed", map[string]string{"stepup_reason": "payout_change"}, "payout_change"},
		{"not allowed", map[string]string{"stepup_reason": "admin"}, "sign_in"},
		{"empty", map[string]string{"stepup_reason": ""}, "sign_in"},
		{"case differs", map[string]string{"stepup_reason": "HIGH_VALUE_TRANSACTION"}, "sign_in"},
		{"padded", map[string]string{"stepup_reason": " high_value_transaction"}, "sign_in"},
		{"trailing newline", map[string]string{"stepup_reason": "high_value_transaction\n"}, "sign_in"},
		{"NUL suffix", map[string]string{"stepup_reason": "high_value_transaction\x00"}, "sign_in"},
		{"prefix of allowed", map[string]string{"stepup_reason": "high_value"}, "sign_in"},
		{"JSON injection", map[string]string{"stepup_reason": `high_value_transaction","cognitobridge:stepup_at":9999999999,"x":"`}, "sign_in"},
		{"unicode lookalike", map[string]string{"stepup_reason": "high_value_transactioп"}, "sign_in"},
		{"huge", map[string]string{"stepup_reason": strings.Repeat("a", 1<<16)}, "sign_in"},
		{"key case differs", map[string]string{"STEPUP_REASON": "high_value_transaction"}, "sign_in"},
		{"claim name as key", map[string]string{contract.ClaimStepUpAt: "1", contract.ClaimStepUpReason: "high_value_transaction"}, "sign_in"},
	} {
		if got := StepUpReason(tc.meta, allowed); got != tc.want {
			t.Errorf("%s: StepUpReason = %q, want %q", tc.name, got, tc.want)
		}
	}
	if got := StepUpReason(map[string]string{"stepup_reason": "high_value_transaction"}, nil); got != "sign_in" {
		t.Errorf("empty allow-list: %q", got)
	}
}

// TestHostileMetadataNeverReachesTokensOrLogs: whatever the client sends,
// the claims hold exactly two keys and allow-list values, and the log line
// holds no metadata.
func TestHostileMetadataNeverReachesTokensOrLogs(t *testing.T) {
	hostile := map[string]string{
		"stepup_reason":                "evil\"}} \u2028 <script>",
		contract.ClaimStepUpAt:         "99999999999",
		contract.ClaimStepUpReason:     "high_value_transaction",
		"claimsToAddOrOverride":        `{"sub":"someone-else"}`,
		"cognito:groups":               "admins",
		strings.Repeat("k", 1024):      strings.Repeat("v", 1<<15),
		"stepup_reason\x00":            "high_value_transaction",
		"accessTokenGeneration.scope":  "admin",
		contract.MetadataStepUpBinding: binding,
	}
	f := newFakeStore()
	f.put(pool, sub, now0)
	ev := event(TriggerAuthentication)
	ev.Version = "2"
	ev.Request.ClientMetadata = hostile
	var logs bytes.Buffer
	out, err := newTestHandler(f, &logs).Handle(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	access, id := stepUpClaims(t, out.Response)
	for _, c := range []map[string]any{access, id} {
		if len(c) != 2 || c[contract.ClaimStepUpReason] != contract.StepUpReasonSignIn || c[contract.ClaimStepUpAt] != float64(now0.Unix()) {
			t.Fatalf("claims = %v", c)
		}
	}
	for _, leak := range []string{"evil", "script", "someone-else", "admins", "kkkk", "vvvv", "99999999999"} {
		if strings.Contains(logs.String(), leak) {
			t.Fatalf("log leaks %q: %s", leak, logs.String())
		}
	}
}

func TestReasonsFromEnv(t *testing.T) {
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == contract.EnvStepUpReasons {
				return v
			}
			return ""
		}
	}
	got, err := ReasonsFromEnv(env(""))
	if err != nil || len(got) != 1 || got[0] != "high_value_transaction" {
		t.Fatalf("default = %v, %v", got, err)
	}
	got, err = ReasonsFromEnv(env(`["high_value_transaction","payout_change"]`))
	if err != nil || len(got) != 2 || got[1] != "payout_change" {
		t.Fatalf("list = %v, %v", got, err)
	}
	for _, bad := range []string{`[]`, `{}`, `"x"`, `[""]`, `["a b"]`, `["A"]`, `["a","a"]`, `[1]`, `["` + strings.Repeat("a", 65) + `"]`, `not json`} {
		if _, err := ReasonsFromEnv(env(bad)); err == nil || !strings.Contains(err.Error(), contract.EnvStepUpReasons) {
			t.Errorf("%s accepted: %v", bad, err)
		}
	}
	cfg, err := ConfigFromEnv(func(k string) string {
		return map[string]string{contract.EnvStepUpTable: "tbl", contract.EnvStepUpReasons: `["payout_change"]`}[k]
	})
	if err != nil || len(cfg.Reasons) != 1 || cfg.Reasons[0] != "payout_change" {
		t.Fatalf("config = %+v, %v", cfg, err)
	}
	if _, err := ConfigFromEnv(func(k string) string {
		return map[string]string{contract.EnvStepUpTable: "tbl", contract.EnvStepUpReasons: `[""]`}[k]
	}); err == nil {
		t.Fatal("bad reasons accepted by ConfigFromEnv")
	}
}

// lyingStore says ok with a time outside the window.
type lyingStore struct{ at time.Time }

func (l lyingStore) ConsumeAt(context.Context, steprecord.SignIn, time.Time, time.Duration) (time.Time, error) {
	return l.at, nil
}

func TestUntrustedStoreTimeRefused(t *testing.T) {
	for _, at := range []time.Time{{}, now0.Add(-2 * time.Minute), now0.Add(time.Minute)} {
		h := newTestHandler(lyingStore{at: at}, nil)
		ev := event(TriggerAuthentication)
		ev.Version = "2"
		if got := h.Decide(context.Background(), ev); got != ReasonInternalError {
			t.Errorf("passedAt %v: Decide = %s", at, got)
		}
	}
}

func TestHandleRecoversPanic(t *testing.T) {
	f := newFakeStore()
	f.panics = true
	var logs bytes.Buffer
	_, err := newTestHandler(f, &logs).Handle(context.Background(), event(TriggerAuthentication))
	if !errors.Is(err, ErrStepUpRequired) {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(logs.String(), `"reason":"internal_error"`) {
		t.Fatalf("log = %s", logs.String())
	}
}

func TestBudget(t *testing.T) {
	if got := Budget(context.Background(), now0); got != MaxBudget {
		t.Errorf("no deadline: %v", got)
	}
	ctx, cancel := context.WithDeadline(context.Background(), now0.Add(2*time.Second))
	defer cancel()
	if got := Budget(ctx, now0); got != 1700*time.Millisecond {
		t.Errorf("2 s left: %v", got)
	}
	ctx2, cancel2 := context.WithDeadline(context.Background(), now0.Add(time.Minute))
	defer cancel2()
	if got := Budget(ctx2, now0); got != MaxBudget {
		t.Errorf("60 s left: %v", got)
	}
}

func TestDeadlineBoundsStore(t *testing.T) {
	f := newFakeStore()
	f.block = true
	h := New(f, time.Minute) // real clock: the store blocks until the budget ends
	h.Logger = slog.New(slog.NewJSONHandler(&bytes.Buffer{}, nil))
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := h.Handle(ctx, event(TriggerAuthentication))
	if !errors.Is(err, ErrStepUpRequired) {
		t.Fatalf("err = %v", err)
	}
	if el := time.Since(start); el > 400*time.Millisecond {
		t.Fatalf("took %v; want about 200 ms (deadline minus margin)", el)
	}
	if f.deadline > 250*time.Millisecond {
		t.Fatalf("store got %v", f.deadline)
	}
	// Too close to the deadline: refuse without calling the store.
	g := newFakeStore()
	g.put(pool, sub, time.Now())
	short, cancel2 := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel2()
	if got := New(g, time.Minute).Decide(short, event(TriggerAuthentication)); got != ReasonStoreUnavailable || g.calls != 0 {
		t.Fatalf("Decide = %s, calls = %d", got, g.calls)
	}
}

func TestConfigFromEnv(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	if _, err := ConfigFromEnv(env(nil)); err == nil || !strings.Contains(err.Error(), contract.EnvStepUpTable) {
		t.Fatalf("missing table: %v", err)
	}
	cfg, err := ConfigFromEnv(env(map[string]string{contract.EnvStepUpTable: "tbl"}))
	if err != nil || cfg.Table != "tbl" || cfg.Window != time.Minute {
		t.Fatalf("defaults: %+v, %v", cfg, err)
	}
	cfg, err = ConfigFromEnv(env(map[string]string{contract.EnvStepUpTable: "tbl", contract.EnvStepUpWindowSeconds: "15"}))
	if err != nil || cfg.Window != 15*time.Second {
		t.Fatalf("window: %+v, %v", cfg, err)
	}
	if _, err := ConfigFromEnv(env(map[string]string{contract.EnvStepUpTable: "tbl", contract.EnvStepUpWindowSeconds: "0"})); err == nil {
		t.Fatal("bad window accepted")
	}
}

func TestNilStoreRefuses(t *testing.T) {
	if got := New(nil, 0).Decide(context.Background(), event(TriggerAuthentication)); got != ReasonStoreUnavailable {
		t.Fatalf("Decide = %s", got)
	}
}

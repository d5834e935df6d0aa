package localcognito

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"
	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/cognitobridge/cognitobridge/test/localcognito/srp"
	"github.com/cognitobridge/cognitobridge/test/syncbuf"
)

const (
	testPool   = "us-east-1_LocalPool1"
	clientSRP  = "srpclient"    // USER_SRP_AUTH + REFRESH
	clientCust = "customclient" // CUSTOM_AUTH + REFRESH only (the step-up client shape)
	// clientPrevent: default flows, PreventUserExistenceErrors ENABLED.
	clientPrevent = "preventclient"
)

// fakeTriggers is a TEST FAKE of the pool's Lambda functions: it records
// every event it is sent and answers with the test's functions, which edit
// the event's "response" member as a function would.
type fakeTriggers struct {
	mu     sync.Mutex
	fns    map[Slot]func(ev map[string]any) error
	events []recorded
}

type recorded struct {
	slot Slot
	ev   map[string]any
}

func (f *fakeTriggers) Has(slot Slot) bool { _, ok := f.fns[slot]; return ok }

func (f *fakeTriggers) Invoke(ctx context.Context, slot Slot, event []byte) ([]byte, error) {
	if _, ok := ctx.Deadline(); !ok {
		return nil, errors.New("fake: no deadline on a trigger invocation")
	}
	var ev map[string]any
	if err := json.Unmarshal(event, &ev); err != nil {
		return nil, err
	}
	var copyEv map[string]any
	json.Unmarshal(event, &copyEv)
	f.mu.Lock()
	f.events = append(f.events, recorded{slot, copyEv})
	f.mu.Unlock()
	if err := f.fns[slot](ev); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrTriggerFailed, err)
	}
	return json.Marshal(ev)
}

func (f *fakeTriggers) of(slot Slot) []map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []map[string]any
	for _, r := range f.events {
		if r.slot == slot {
			out = append(out, r.ev)
		}
	}
	return out
}

func resp(ev map[string]any) map[string]any {
	r, _ := ev["response"].(map[string]any)
	if r == nil {
		r = map[string]any{}
		ev["response"] = r
	}
	return r
}

func req(ev map[string]any) map[string]any {
	r, _ := ev["request"].(map[string]any)
	return r
}

// stepUpTriggers are custom-auth functions in the documented AWS sample's
// shape: SRP_A → PASSWORD_VERIFIER → one CUSTOM_CHALLENGE ("42") → tokens;
// without SRP_A the custom challenge alone. Pre token generation (V2) adds
// an access-token claim, an ID-token claim and a scope.
func stepUpTriggers() *fakeTriggers {
	f := &fakeTriggers{}
	f.fns = map[Slot]func(map[string]any) error{
		SlotPreAuthentication: func(ev map[string]any) error { return nil },
		SlotDefineAuthChallenge: func(ev map[string]any) error {
			sess, _ := req(ev)["session"].([]any)
			r := resp(ev)
			last := func() map[string]any { return sess[len(sess)-1].(map[string]any) }
			switch {
			case len(sess) == 0:
				r["challengeName"] = "CUSTOM_CHALLENGE"
			case last()["challengeResult"] != true:
				r["failAuthentication"] = true
			case last()["challengeName"] == "SRP_A":
				r["challengeName"] = "PASSWORD_VERIFIER"
			case last()["challengeName"] == "PASSWORD_VERIFIER":
				r["challengeName"] = "CUSTOM_CHALLENGE"
			case last()["challengeName"] == "CUSTOM_CHALLENGE":
				r["issueTokens"] = true
			default:
				r["failAuthentication"] = true
			}
			return nil
		},
		SlotCreateAuthChallenge: func(ev map[string]any) error {
			r := resp(ev)
			r["publicChallengeParameters"] = map[string]any{"question": "six times seven"}
			r["privateChallengeParameters"] = map[string]any{"answer": "42"}
			r["challengeMetadata"] = "STEPUP-1"
			return nil
		},
		SlotVerifyAuthChallenge: func(ev map[string]any) error {
			priv, _ := req(ev)["privateChallengeParameters"].(map[string]any)
			resp(ev)["answerCorrect"] = req(ev)["challengeAnswer"] == priv["answer"]
			return nil
		},
		SlotPreTokenGeneration: func(ev map[string]any) error {
			resp(ev)["claimsAndScopeOverrideDetails"] = map[string]any{
				"idTokenGeneration":     map[string]any{"claimsToAddOrOverride": map[string]any{"stepup_id": "yes"}},
				"accessTokenGeneration": map[string]any{"claimsToAddOrOverride": map[string]any{"stepup": "done"}, "scopesToAdd": []any{"stepup/high"}},
			}
			return nil
		},
	}
	return f
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type env struct {
	srv   *Server
	ts    *httptest.Server
	api   *cip.Client
	trig  *fakeTriggers
	clock *clock
}

func testConfig(trig Triggers) Config {
	return Config{
		Region:                    "us-east-1",
		PoolID:                    testPool,
		UsernameAttributes:        []string{"email"},
		AutoVerifiedAttributes:    []string{"email"},
		CustomAttributes:          map[string]bool{"tier": true, "assurance": true},
		PreTokenGenerationVersion: "V2_0",
		Clients: []Client{
			{ID: clientSRP, Name: "srp", ExplicitAuthFlows: []string{"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"},
				WriteAttributes: []string{"name", "custom:tier"}},
			{ID: clientCust, Name: "stepup", ExplicitAuthFlows: []string{"ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"},
				WriteAttributes: []string{"name"}},
			{ID: clientPrevent, Name: "prevent", PreventUserExistenceErrors: "ENABLED"},
		},
		Triggers: trig,
	}
}

func newEnv(t *testing.T, trig *fakeTriggers) *env {
	t.Helper()
	var tr Triggers
	if trig != nil {
		tr = trig
	}
	c := &clock{t: time.Now()}
	srv, err := New(testConfig(tr), Options{Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	srv.SetIssuer(ts.URL)
	api := cip.New(cip.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(ts.URL),
		Credentials:      aws.AnonymousCredentials{},
		HTTPClient:       ts.Client(),
		RetryMaxAttempts: 1,
	})
	return &env{srv: srv, ts: ts, api: api, trig: trig, clock: c}
}

// customAuth starts a CUSTOM_AUTH sign-in of username through client,
// without SRP.
func (e *env) customAuth(t *testing.T, client, username string) *cip.InitiateAuthOutput {
	t.Helper()
	out, err := e.api.InitiateAuth(context.Background(), &cip.InitiateAuthInput{
		ClientId: aws.String(client), AuthFlow: types.AuthFlowTypeCustomAuth,
		AuthParameters: map[string]string{"USERNAME": username},
	})
	if err != nil {
		t.Fatal(errCode(err))
	}
	return out
}

// answerCustom answers the custom challenge of out as username.
func (e *env) answerCustom(client string, out *cip.InitiateAuthOutput, username, answer string) (*cip.RespondToAuthChallengeOutput, error) {
	return e.api.RespondToAuthChallenge(context.Background(), &cip.RespondToAuthChallengeInput{
		ClientId: aws.String(client), ChallengeName: types.ChallengeNameTypeCustomChallenge, Session: out.Session,
		ChallengeResponses: map[string]string{"USERNAME": username, "ANSWER": answer},
	})
}

func (e *env) seed(t *testing.T, email, password string) string {
	t.Helper()
	sub, err := e.srv.SeedUser(email, password, map[string]string{"email_verified": "true", "custom:assurance": "low"}, true)
	if err != nil {
		t.Fatal(err)
	}
	return sub
}

// errCode is the error code the SDK parsed from our response.
func errCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode() + ": " + ae.ErrorMessage()
	}
	if err == nil {
		return ""
	}
	return "not an API error: " + err.Error()
}

// answerPassword answers a PASSWORD_VERIFIER challenge with the Go SRP
// client.
func answerPassword(t *testing.T, e *env, cl *srp.Client, clientID, password string, out *cip.InitiateAuthOutput, md map[string]string) (*cip.RespondToAuthChallengeOutput, error) {
	t.Helper()
	if out.ChallengeName != types.ChallengeNameTypePasswordVerifier {
		t.Fatalf("challenge %q, want PASSWORD_VERIFIER", out.ChallengeName)
	}
	p := out.ChallengeParameters
	ts := srp.Timestamp(e.clock.now())
	sig, err := cl.Sign("LocalPool1", p["USER_ID_FOR_SRP"], password, p["SALT"], p["SRP_B"], p["SECRET_BLOCK"], ts)
	if err != nil {
		t.Fatal(err)
	}
	return e.api.RespondToAuthChallenge(context.Background(), &cip.RespondToAuthChallengeInput{
		ClientId:      aws.String(clientID),
		ChallengeName: types.ChallengeNameTypePasswordVerifier,
		Session:       out.Session,
		ChallengeResponses: map[string]string{
			"USERNAME":                    p["USER_ID_FOR_SRP"],
			"PASSWORD_CLAIM_SECRET_BLOCK": p["SECRET_BLOCK"],
			"PASSWORD_CLAIM_SIGNATURE":    sig,
			"TIMESTAMP":                   ts,
		},
		ClientMetadata: md,
	})
}

func srpStart(t *testing.T, e *env, clientID, username string) (*srp.Client, *cip.InitiateAuthOutput, error) {
	t.Helper()
	cl, err := srp.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.api.InitiateAuth(context.Background(), &cip.InitiateAuthInput{
		ClientId:       aws.String(clientID),
		AuthFlow:       types.AuthFlowTypeUserSrpAuth,
		AuthParameters: map[string]string{"USERNAME": username, "SRP_A": cl.SRPAHex()},
	})
	return cl, out, err
}

func TestSRPSignIn(t *testing.T) {
	for _, tc := range []struct {
		name, client, password string
		want                   string // "" = tokens, else error code prefix
	}{
		{"right password", clientSRP, "Correct-horse-1", ""},
		{"wrong password", clientSRP, "wrong-password", "NotAuthorizedException: Incorrect username or password."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			sub := e.seed(t, "ann@example.com", "Correct-horse-1")
			cl, out, err := srpStart(t, e, tc.client, "ann@example.com")
			if err != nil {
				t.Fatal(errCode(err))
			}
			if got := out.ChallengeParameters["USER_ID_FOR_SRP"]; got != sub {
				t.Errorf("USER_ID_FOR_SRP = %q, want the generated username %q", got, sub)
			}
			res, err := answerPassword(t, e, cl, tc.client, tc.password, out, nil)
			if tc.want != "" {
				if got := errCode(err); got != tc.want {
					t.Fatalf("error %q, want %q", got, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(errCode(err))
			}
			ar := res.AuthenticationResult
			if ar == nil || *ar.AccessToken == "" || *ar.IdToken == "" || *ar.RefreshToken == "" || *ar.TokenType != "Bearer" || ar.ExpiresIn != 3600 {
				t.Fatalf("AuthenticationResult = %+v", ar)
			}
			// The access token works for GetUser.
			gu, err := e.api.GetUser(context.Background(), &cip.GetUserInput{AccessToken: ar.AccessToken})
			if err != nil {
				t.Fatal(errCode(err))
			}
			if *gu.Username != sub {
				t.Errorf("GetUser Username %q, want %q", *gu.Username, sub)
			}
		})
	}
}

func TestFlowNotAllowed(t *testing.T) {
	e := newEnv(t, stepUpTriggers())
	e.seed(t, "ann@example.com", "Correct-horse-1")
	for _, tc := range []struct {
		client string
		flow   types.AuthFlowType
		want   string
	}{
		{clientCust, types.AuthFlowTypeUserSrpAuth, "InvalidParameterException: USER_SRP_AUTH flow not enabled for this client"},
		{clientSRP, types.AuthFlowTypeCustomAuth, "InvalidParameterException: CUSTOM_AUTH flow not enabled for this client"},
		{clientSRP, types.AuthFlowTypeUserPasswordAuth, "InvalidParameterException: USER_PASSWORD_AUTH flow not enabled for this client"},
		{"nosuchclient", types.AuthFlowTypeUserSrpAuth, "ResourceNotFoundException: User pool client nosuchclient does not exist."},
	} {
		t.Run(tc.client+"/"+string(tc.flow), func(t *testing.T) {
			_, err := e.api.InitiateAuth(context.Background(), &cip.InitiateAuthInput{
				ClientId: aws.String(tc.client), AuthFlow: tc.flow,
				AuthParameters: map[string]string{"USERNAME": "ann@example.com", "SRP_A": "abcd", "PASSWORD": "x"},
			})
			if got := errCode(err); got != tc.want {
				t.Fatalf("error %q, want %q", got, tc.want)
			}
		})
	}
	if n := len(e.trig.events); n != 0 {
		t.Errorf("%d trigger invocations for refused flows, want 0", n)
	}
}

func mdOf(ev map[string]any) map[string]any {
	m, _ := req(ev)["clientMetadata"].(map[string]any)
	return m
}

// TestCustomAuthWithSRP runs SRP_A → PASSWORD_VERIFIER → CUSTOM_CHALLENGE →
// tokens and asserts where each call's ClientMetadata went.
func TestCustomAuthWithSRP(t *testing.T) {
	e := newEnv(t, stepUpTriggers())
	sub := e.seed(t, "ann@example.com", "Correct-horse-1")
	ctx := context.Background()
	cl, _ := srp.NewClient()
	mdInit := map[string]string{"call": "initiate"}
	mdPass := map[string]string{"call": "password"}
	mdAns := map[string]string{"call": "answer"}
	out, err := e.api.InitiateAuth(ctx, &cip.InitiateAuthInput{
		ClientId: aws.String(clientCust), AuthFlow: types.AuthFlowTypeCustomAuth,
		AuthParameters: map[string]string{"USERNAME": "ann@example.com", "SRP_A": cl.SRPAHex(), "CHALLENGE_NAME": "SRP_A"},
		ClientMetadata: mdInit,
	})
	if err != nil {
		t.Fatal(errCode(err))
	}
	r1, err := answerPassword(t, e, cl, clientCust, "Correct-horse-1", out, mdPass)
	if err != nil {
		t.Fatal(errCode(err))
	}
	if r1.ChallengeName != types.ChallengeNameTypeCustomChallenge || r1.ChallengeParameters["question"] != "six times seven" || r1.ChallengeParameters["USERNAME"] != sub {
		t.Fatalf("after password: %q %v", r1.ChallengeName, r1.ChallengeParameters)
	}
	r2, err := e.api.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{
		ClientId: aws.String(clientCust), ChallengeName: types.ChallengeNameTypeCustomChallenge, Session: r1.Session,
		ChallengeResponses: map[string]string{"USERNAME": sub, "ANSWER": "42"}, ClientMetadata: mdAns,
	})
	if err != nil {
		t.Fatal(errCode(err))
	}
	if r2.AuthenticationResult == nil {
		t.Fatalf("no tokens: %+v", r2)
	}

	// Define saw the documented sessions.
	defines := e.trig.of(SlotDefineAuthChallenge)
	wantSessions := []string{
		`[{"challengeName":"SRP_A","challengeResult":true}]`,
		`[{"challengeName":"SRP_A","challengeResult":true},{"challengeName":"PASSWORD_VERIFIER","challengeResult":true}]`,
		`[{"challengeName":"SRP_A","challengeResult":true},{"challengeName":"PASSWORD_VERIFIER","challengeResult":true},{"challengeMetadata":"STEPUP-1","challengeName":"CUSTOM_CHALLENGE","challengeResult":true}]`,
	}
	if len(defines) != len(wantSessions) {
		t.Fatalf("%d Define invocations, want %d", len(defines), len(wantSessions))
	}
	for i, d := range defines {
		b, _ := json.Marshal(req(d)["session"])
		if string(b) != wantSessions[i] {
			t.Errorf("Define %d session %s, want %s", i, b, wantSessions[i])
		}
		if d["triggerSource"] != "DefineAuthChallenge_Authentication" || d["userName"] != sub || d["userPoolId"] != testPool {
			t.Errorf("Define %d header %v %v %v", i, d["triggerSource"], d["userName"], d["userPoolId"])
		}
	}

	// DOCUMENTED routing of ClientMetadata.
	asMD := func(m map[string]string) map[string]any {
		out := map[string]any{}
		for k, v := range m {
			out[k] = v
		}
		return out
	}
	pre := e.trig.of(SlotPreAuthentication)
	creates := e.trig.of(SlotCreateAuthChallenge)
	verifies := e.trig.of(SlotVerifyAuthChallenge)
	tokens := e.trig.of(SlotPreTokenGeneration)
	if len(pre) != 1 || len(creates) != 1 || len(verifies) != 1 || len(tokens) != 1 {
		t.Fatalf("invocations: pre %d create %d verify %d token %d", len(pre), len(creates), len(verifies), len(tokens))
	}
	for _, tc := range []struct {
		name string
		got  any
		want map[string]any
	}{
		{"pre authentication validationData", req(pre[0])["validationData"], asMD(mdInit)},
		{"Define at InitiateAuth", mdOf(defines[0]), nil},
		{"Define after PASSWORD_VERIFIER", mdOf(defines[1]), asMD(mdPass)},
		{"Create after PASSWORD_VERIFIER", mdOf(creates[0]), asMD(mdPass)},
		{"Verify", mdOf(verifies[0]), asMD(mdAns)},
		{"Define after the answer", mdOf(defines[2]), asMD(mdAns)},
		{"pre token generation", mdOf(tokens[0]), asMD(mdAns)},
	} {
		got, _ := tc.got.(map[string]any)
		if len(got) == 0 && len(tc.want) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: clientMetadata %v, want %v", tc.name, got, tc.want)
		}
	}
	if v := req(verifies[0]); v["challengeAnswer"] != "42" || v["privateChallengeParameters"].(map[string]any)["answer"] != "42" {
		t.Errorf("Verify request %v", v)
	}
	if tokens[0]["version"] != "2" || tokens[0]["triggerSource"] != "TokenGeneration_Authentication" {
		t.Errorf("pre token generation header %v %v", tokens[0]["version"], tokens[0]["triggerSource"])
	}

	// Tokens verify against the served JWKS and carry the V2 claims.
	pctx := oidc.ClientContext(ctx, e.ts.Client())
	prov, err := oidc.NewProvider(pctx, e.srv.Issuer())
	if err != nil {
		t.Fatal(err)
	}
	idt, err := prov.Verifier(&oidc.Config{ClientID: clientCust, Now: e.clock.now}).Verify(pctx, *r2.AuthenticationResult.IdToken)
	if err != nil {
		t.Fatal(err)
	}
	var idc map[string]any
	idt.Claims(&idc)
	for k, v := range map[string]any{"token_use": "id", "cognito:username": sub, "email": "ann@example.com", "email_verified": true, "stepup_id": "yes", "custom:assurance": "low", "aud": clientCust} {
		if idc[k] != v {
			t.Errorf("ID token %s = %v, want %v", k, idc[k], v)
		}
	}
	for _, k := range []string{"origin_jti", "event_id", "auth_time", "jti"} {
		if idc[k] == nil {
			t.Errorf("ID token lacks %s", k)
		}
	}
	at, err := prov.Verifier(&oidc.Config{SkipClientIDCheck: true, Now: e.clock.now}).Verify(pctx, *r2.AuthenticationResult.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	var ac map[string]any
	at.Claims(&ac)
	for k, v := range map[string]any{"token_use": "access", "username": sub, "client_id": clientCust, "stepup": "done", "scope": "aws.cognito.signin.user.admin stepup/high", "sub": sub} {
		if ac[k] != v {
			t.Errorf("access token %s = %v, want %v", k, ac[k], v)
		}
	}
	if ac["origin_jti"] != idc["origin_jti"] {
		t.Errorf("origin_jti differs between tokens")
	}
}

func TestCustomAuthWithoutSRP(t *testing.T) {
	for _, tc := range []struct {
		name, answer string
		want         string
	}{
		{"right answer", "42", ""},
		{"wrong answer", "41", "NotAuthorizedException: Incorrect username or password."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, stepUpTriggers())
			sub := e.seed(t, "ann@example.com", "Correct-horse-1")
			out := e.customAuth(t, clientCust, "ann@example.com")
			if out.ChallengeName != types.ChallengeNameTypeCustomChallenge {
				t.Fatalf("challenge %q", out.ChallengeName)
			}
			d := e.trig.of(SlotDefineAuthChallenge)
			if b, _ := json.Marshal(req(d[0])["session"]); string(b) != "[]" {
				t.Errorf("first Define session %s, want []", b)
			}
			r, err := e.answerCustom(clientCust, out, sub, tc.answer)
			if got := errCode(err); got != tc.want {
				t.Fatalf("error %q, want %q", got, tc.want)
			}
			if tc.want == "" && r.AuthenticationResult == nil {
				t.Fatal("no tokens")
			}
		})
	}
}

func TestTriggerErrorFailsSignIn(t *testing.T) {
	for _, slot := range []Slot{SlotDefineAuthChallenge, SlotCreateAuthChallenge, SlotVerifyAuthChallenge, SlotPreTokenGeneration} {
		t.Run(string(slot), func(t *testing.T) {
			trig := stepUpTriggers()
			trig.fns[slot] = func(map[string]any) error { return errors.New("boom") }
			e := newEnv(t, trig)
			sub := e.seed(t, "ann@example.com", "Correct-horse-1")
			ctx := context.Background()
			out, err := e.api.InitiateAuth(ctx, &cip.InitiateAuthInput{
				ClientId: aws.String(clientCust), AuthFlow: types.AuthFlowTypeCustomAuth,
				AuthParameters: map[string]string{"USERNAME": "ann@example.com"},
			})
			if err == nil {
				var r *cip.RespondToAuthChallengeOutput
				r, err = e.answerCustom(clientCust, out, sub, "42")
				if err == nil {
					t.Fatalf("tokens issued despite a failing %s: %+v", slot, r.AuthenticationResult)
				}
			}
			want := "UserLambdaValidationException: " + string(slot) + " failed with error boom."
			if got := errCode(err); got != want {
				t.Fatalf("error %q, want %q", got, want)
			}
		})
	}
}

func TestSessionReuseAndExpiry(t *testing.T) {
	for _, tc := range []struct {
		name  string
		reuse bool
		wait  time.Duration
		want  string
	}{
		{"reused", true, 0, "NotAuthorizedException: Invalid session for the user, session can only be used once."},
		{"expired", false, 3*time.Minute + time.Second, "NotAuthorizedException: Invalid session for the user, session is expired."},
		{"just in time", false, 3*time.Minute - time.Second, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, stepUpTriggers())
			sub := e.seed(t, "ann@example.com", "Correct-horse-1")
			out := e.customAuth(t, clientCust, "ann@example.com")
			answer := func(a string) error {
				_, err := e.answerCustom(clientCust, out, sub, a)
				return err
			}
			if tc.reuse {
				if err := answer("41"); err == nil {
					t.Fatal("wrong answer accepted")
				}
			}
			e.clock.advance(tc.wait)
			if got := errCode(answer("42")); got != tc.want {
				t.Fatalf("error %q, want %q", got, tc.want)
			}
		})
	}
}

func TestRefresh(t *testing.T) {
	e := newEnv(t, stepUpTriggers())
	e.seed(t, "ann@example.com", "Correct-horse-1")
	ctx := context.Background()
	cl, out, err := srpStart(t, e, clientSRP, "ann@example.com")
	if err != nil {
		t.Fatal(errCode(err))
	}
	res, err := answerPassword(t, e, cl, clientSRP, "Correct-horse-1", out, map[string]string{"k": "v"})
	if err != nil {
		t.Fatal(errCode(err))
	}
	// Plain SRP: no custom-auth trigger, pre token generation with the answer's metadata.
	if n := len(e.trig.of(SlotDefineAuthChallenge)); n != 0 {
		t.Errorf("Define ran %d times in USER_SRP_AUTH", n)
	}
	e.clock.advance(10 * time.Minute)
	for _, tc := range []struct {
		name, client, token string
		want                string
	}{
		{"refresh", clientSRP, *res.AuthenticationResult.RefreshToken, ""},
		{"other client", clientCust, *res.AuthenticationResult.RefreshToken, "NotAuthorizedException: Invalid Refresh Token"},
		{"garbage", clientSRP, "nope", "NotAuthorizedException: Invalid Refresh Token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := e.api.InitiateAuth(ctx, &cip.InitiateAuthInput{
				ClientId: aws.String(tc.client), AuthFlow: types.AuthFlowTypeRefreshTokenAuth,
				AuthParameters: map[string]string{"REFRESH_TOKEN": tc.token},
				ClientMetadata: map[string]string{"from": "refresh"},
			})
			if got := errCode(err); got != tc.want {
				t.Fatalf("error %q, want %q", got, tc.want)
			}
			if tc.want != "" {
				return
			}
			ar := r.AuthenticationResult
			if ar == nil || ar.AccessToken == nil || ar.IdToken == nil || ar.RefreshToken != nil {
				t.Fatalf("refresh result %+v", ar)
			}
			toks := e.trig.of(SlotPreTokenGeneration)
			last := toks[len(toks)-1]
			if last["triggerSource"] != "TokenGeneration_RefreshTokens" || mdOf(last) != nil {
				t.Errorf("refresh pre token generation: %v metadata %v", last["triggerSource"], mdOf(last))
			}
			if got := mdOf(toks[0]); got["k"] != "v" {
				t.Errorf("sign-in pre token generation metadata %v", got)
			}
		})
	}
}

func TestSignUpConfirm(t *testing.T) {
	trig := &fakeTriggers{fns: map[Slot]func(map[string]any) error{
		SlotPreSignUp:        func(ev map[string]any) error { return nil },
		SlotPostConfirmation: func(ev map[string]any) error { return nil },
	}}
	e := newEnv(t, trig)
	ctx := context.Background()
	for _, tc := range []struct {
		name, client, username string
		attrs                  map[string]string
		want                   string
	}{
		{"allowed attributes", clientSRP, "bob@example.com", map[string]string{"name": "Bob", "custom:tier": "gold"}, ""},
		{"email not writable", clientSRP, "eve@example.com", map[string]string{"email": "eve@example.com"}, "NotAuthorizedException: A client attempted to write unauthorized attribute"},
		{"custom not writable", clientCust, "eve@example.com", map[string]string{"custom:tier": "gold"}, "NotAuthorizedException: A client attempted to write unauthorized attribute"},
		{"username not an email", clientSRP, "bob", nil, "InvalidParameterException: Username should be an email."},
		{"exists", clientSRP, "bob@example.com", nil, "UsernameExistsException: An account with the given email already exists."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ua []types.AttributeType
			for k, v := range tc.attrs {
				ua = append(ua, types.AttributeType{Name: aws.String(k), Value: aws.String(v)})
			}
			out, err := e.api.SignUp(ctx, &cip.SignUpInput{
				ClientId: aws.String(tc.client), Username: aws.String(tc.username), Password: aws.String("Correct-horse-2"),
				UserAttributes: ua, ClientMetadata: map[string]string{"src": "signup"},
			})
			if got := errCode(err); got != tc.want {
				t.Fatalf("error %q, want %q", got, tc.want)
			}
			if tc.want != "" {
				return
			}
			if out.UserConfirmed || out.UserSub == nil || out.CodeDeliveryDetails == nil {
				t.Fatalf("SignUp output %+v", out)
			}
			ps := trig.of(SlotPreSignUp)
			last := ps[len(ps)-1]
			if last["triggerSource"] != "PreSignUp_SignUp" || mdOf(last)["src"] != "signup" || req(last)["userAttributes"].(map[string]any)["email"] != tc.username {
				t.Errorf("pre sign-up event %v", last)
			}
			code := e.srv.ConfirmationCode(tc.username)
			if len(code) != 6 {
				t.Fatalf("confirmation code %q", code)
			}
			_, err = e.api.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: aws.String(tc.client), Username: aws.String(tc.username), ConfirmationCode: aws.String("x" + code)})
			if got := errCode(err); !strings.HasPrefix(got, "CodeMismatchException") {
				t.Errorf("wrong code: %q", got)
			}
			if _, err := e.api.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: aws.String(tc.client), Username: aws.String(tc.username), ConfirmationCode: aws.String(code)}); err != nil {
				t.Fatal(errCode(err))
			}
			pc := trig.of(SlotPostConfirmation)
			if len(pc) != 1 || req(pc[0])["userAttributes"].(map[string]any)["email_verified"] != "true" {
				t.Errorf("post confirmation events %v", pc)
			}
			// The confirmed user signs in.
			cl, o, err := srpStart(t, e, clientSRP, tc.username)
			if err != nil {
				t.Fatal(errCode(err))
			}
			if _, err := answerPassword(t, e, cl, clientSRP, "Correct-horse-2", o, nil); err != nil {
				t.Fatal(errCode(err))
			}
		})
	}
}

func TestUpdateUserAttributesWriteList(t *testing.T) {
	e := newEnv(t, nil)
	e.seed(t, "ann@example.com", "Correct-horse-1")
	ctx := context.Background()
	tok := signInAnn(t, e, clientSRP, nil).AccessToken
	for _, tc := range []struct {
		name, attr, value, want string
	}{
		{"writable", "custom:tier", "gold", ""},
		{"email", "email", "mallory@example.com", "NotAuthorizedException: A client attempted to write unauthorized attribute"},
		{"assurance", "custom:assurance", "high", "NotAuthorizedException: A client attempted to write unauthorized attribute"},
		{"sub", "sub", "x", "NotAuthorizedException: A client attempted to write unauthorized attribute"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.api.UpdateUserAttributes(ctx, &cip.UpdateUserAttributesInput{AccessToken: tok,
				UserAttributes: []types.AttributeType{{Name: aws.String(tc.attr), Value: aws.String(tc.value)}}})
			if got := errCode(err); got != tc.want {
				t.Fatalf("error %q, want %q", got, tc.want)
			}
		})
	}
	gu, err := e.api.GetUser(ctx, &cip.GetUserInput{AccessToken: tok})
	if err != nil {
		t.Fatal(errCode(err))
	}
	got := map[string]string{}
	for _, a := range gu.UserAttributes {
		got[*a.Name] = *a.Value
	}
	if got["custom:tier"] != "gold" || got["email"] != "ann@example.com" || got["custom:assurance"] != "low" {
		t.Errorf("attributes after updates: %v", got)
	}
	_, err = e.api.GetUser(ctx, &cip.GetUserInput{AccessToken: aws.String(*tok + "x")})
	if got := errCode(err); got != "NotAuthorizedException: Invalid Access Token" {
		t.Errorf("tampered token: %q", got)
	}
}

func TestCORSPreflight(t *testing.T) {
	e := newEnv(t, nil)
	r, _ := http.NewRequest(http.MethodOptions, e.ts.URL+"/", nil)
	r.Header.Set("Origin", "http://localhost:5173")
	r.Header.Set("Access-Control-Request-Method", "POST")
	r.Header.Set("Access-Control-Request-Headers", "content-type,x-amz-target,x-amz-user-agent,cache-control,amz-sdk-invocation-id,amz-sdk-request")
	res, err := e.ts.Client().Do(r)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode/100 != 2 {
		t.Fatalf("status %d", res.StatusCode)
	}
	if got := res.Header.Get("Access-Control-Allow-Origin"); got != "http://localhost:5173" {
		t.Errorf("Allow-Origin %q", got)
	}
	allowed := strings.Split(strings.ReplaceAll(res.Header.Get("Access-Control-Allow-Headers"), " ", ""), ",")
	for _, h := range []string{"content-type", "x-amz-target", "x-amz-user-agent", "cache-control", "amz-sdk-invocation-id", "amz-sdk-request"} {
		if !slices.Contains(allowed, h) {
			t.Errorf("header %s not allowed (%v)", h, allowed)
		}
	}
	if !strings.Contains(res.Header.Get("Access-Control-Allow-Methods"), "POST") {
		t.Errorf("Allow-Methods %q", res.Header.Get("Access-Control-Allow-Methods"))
	}
	// The actual call carries the origin too, and an error body Amplify parses.
	r, _ = http.NewRequest(http.MethodPost, e.ts.URL+"/", strings.NewReader(`{"ClientId":"nope","AuthFlow":"USER_SRP_AUTH"}`))
	r.Header.Set("Origin", "http://localhost:5173")
	r.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.InitiateAuth")
	r.Header.Set("Content-Type", "application/x-amz-json-1.1")
	res, err = e.ts.Client().Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body map[string]string
	json.NewDecoder(res.Body).Decode(&body)
	if res.StatusCode != 400 || body["__type"] != "ResourceNotFoundException" || body["message"] == "" || res.Header.Get("Access-Control-Allow-Origin") != "http://localhost:5173" {
		t.Errorf("POST: %d %v %v", res.StatusCode, body, res.Header)
	}
}

func TestHostedExtensionPoint(t *testing.T) {
	hosted := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(299) })
	srv, err := New(testConfig(nil), Options{Hosted: hosted})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/oauth2/authorize", "/oauth2/token", "/login"} {
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, p, nil))
		if rec.Code != 299 {
			t.Errorf("%s: %d, want the hosted handler", p, rec.Code)
		}
	}
}

func FuzzHandler(f *testing.F) {
	for _, s := range []string{
		`{}`, `null`, `[]`, `{"ClientId":"srpclient","AuthFlow":"USER_SRP_AUTH","AuthParameters":{"USERNAME":"ann@example.com","SRP_A":"0"}}`,
		`{"ClientId":"customclient","AuthFlow":"CUSTOM_AUTH","AuthParameters":{"USERNAME":"ann@example.com","SRP_A":"ff","CHALLENGE_NAME":"SRP_A"}}`,
		`{"ClientId":"srpclient","ChallengeName":"PASSWORD_VERIFIER","Session":"x","ChallengeResponses":{"USERNAME":"a"}}`,
		`{"ClientId":"srpclient","Username":"a@b.c","Password":"123456","UserAttributes":[{"Name":"custom:tier"}]}`,
		`{"AccessToken":"a.b.c"}`, `{"ClientId":5}`, "\x00",
	} {
		for _, op := range []string{"InitiateAuth", "RespondToAuthChallenge", "SignUp", "ConfirmSignUp", "GetUser", "UpdateUserAttributes", "Nope"} {
			f.Add(op, []byte(s))
		}
	}
	srv, err := New(testConfig(stepUpTriggers()), Options{Issuer: "http://127.0.0.1"})
	if err != nil {
		f.Fatal(err)
	}
	if _, err := srv.SeedUser("ann@example.com", "Correct-horse-1", nil, true); err != nil {
		f.Fatal(err)
	}
	h := srv.Handler()
	f.Fuzz(func(t *testing.T, op string, body []byte) {
		r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		r.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService."+op)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		var out map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("%s: response is not JSON: %q", op, rec.Body.String())
		}
		if rec.Code != 200 {
			if ty, _ := out["__type"].(string); ty == "" || out["message"] == nil {
				t.Fatalf("%s: error without __type/message: %d %s", op, rec.Code, rec.Body.String())
			}
			if out["__type"] == "InternalErrorException" {
				t.Fatalf("%s: internal error for %q", op, body)
			}
		}
	})
}

func TestUnknownUser(t *testing.T) {
	t.Run("LEGACY", func(t *testing.T) {
		e := newEnv(t, stepUpTriggers())
		_, _, err := srpStart(t, e, clientSRP, "nobody@example.com")
		if got := errCode(err); got != "UserNotFoundException: User does not exist." {
			t.Fatalf("error %q", got)
		}
	})
	t.Run("ENABLED SRP", func(t *testing.T) {
		e := newEnv(t, stepUpTriggers())
		cl, out, err := srpStart(t, e, clientPrevent, "nobody@example.com")
		if err != nil {
			t.Fatal(errCode(err))
		}
		_, err = answerPassword(t, e, cl, clientPrevent, "anything-1", out, nil)
		if got := errCode(err); got != "NotAuthorizedException: Incorrect username or password." {
			t.Fatalf("error %q", got)
		}
		if pre := e.trig.of(SlotPreAuthentication); len(pre) != 1 || req(pre[0])["userNotFound"] != true {
			t.Errorf("pre authentication events %v", pre)
		}
	})
	t.Run("ENABLED CUSTOM_AUTH", func(t *testing.T) {
		e := newEnv(t, stepUpTriggers())
		out := e.customAuth(t, clientPrevent, "nobody@example.com")
		_, err := e.answerCustom(clientPrevent, out, "nobody@example.com", "42")
		if got := errCode(err); got != "NotAuthorizedException: Incorrect username or password." {
			t.Fatalf("error %q (tokens for an unknown user?)", got)
		}
		for _, slot := range []Slot{SlotDefineAuthChallenge, SlotCreateAuthChallenge, SlotVerifyAuthChallenge} {
			for _, ev := range e.trig.of(slot) {
				if req(ev)["userNotFound"] != true {
					t.Errorf("%s without userNotFound", slot)
				}
			}
		}
	})
}

// TestPreTokenV1 checks the version 1 event: claimsOverrideDetails reaches
// the ID token only.
func TestPreTokenV1(t *testing.T) {
	trig := &fakeTriggers{fns: map[Slot]func(map[string]any) error{
		SlotPreTokenGeneration: func(ev map[string]any) error {
			resp(ev)["claimsOverrideDetails"] = map[string]any{
				"claimsToAddOrOverride": map[string]any{"v1claim": "yes", "sub": "forged"},
				"claimsToSuppress":      []any{"custom:assurance"},
			}
			return nil
		},
	}}
	cfg := testConfig(trig)
	cfg.PreTokenGenerationVersion = "V1_0"
	srv, err := New(cfg, Options{Issuer: "http://local"})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	srv.SetIssuer(ts.URL)
	sub, _ := srv.SeedUser("ann@example.com", "Correct-horse-1", map[string]string{"custom:assurance": "low"}, true)
	e := &env{srv: srv, ts: ts, trig: trig, clock: &clock{t: time.Now()}, api: cip.New(cip.Options{Region: "us-east-1", BaseEndpoint: aws.String(ts.URL), Credentials: aws.AnonymousCredentials{}, RetryMaxAttempts: 1})}
	res := signInAnn(t, e, clientSRP, nil)
	ev := trig.of(SlotPreTokenGeneration)[0]
	if ev["version"] != "1" || req(ev)["scopes"] != nil {
		t.Errorf("V1 event version %v scopes %v", ev["version"], req(ev)["scopes"])
	}
	ctx := oidc.ClientContext(context.Background(), ts.Client())
	prov, err := oidc.NewProvider(ctx, srv.Issuer())
	if err != nil {
		t.Fatal(err)
	}
	idt, err := prov.Verifier(&oidc.Config{ClientID: clientSRP}).Verify(ctx, *res.IdToken)
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	idt.Claims(&c)
	if c["v1claim"] != "yes" || c["sub"] != sub || c["custom:assurance"] != nil {
		t.Errorf("ID token claims %v", c)
	}
	at, err := prov.Verifier(&oidc.Config{SkipClientIDCheck: true}).Verify(ctx, *res.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	var a map[string]any
	at.Claims(&a)
	if a["v1claim"] != nil {
		t.Errorf("V1 changed the access token: %v", a)
	}
}

// TestLogsHoldNoSecrets runs sign-up, confirmation and a sign-in and checks
// that no password, code or token reaches the log.
func TestLogsHoldNoSecrets(t *testing.T) {
	var buf syncbuf.Buffer
	c := &clock{t: time.Now()}
	srv, err := New(testConfig(nil), Options{Now: c.now, Logger: slog.New(slog.NewJSONHandler(&buf, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	srv.SetIssuer(ts.URL)
	e := &env{srv: srv, ts: ts, clock: c, api: cip.New(cip.Options{Region: "us-east-1", BaseEndpoint: aws.String(ts.URL), Credentials: aws.AnonymousCredentials{}, RetryMaxAttempts: 1})}
	ctx := context.Background()
	const pw = "Secret-password-9"
	if _, err := e.api.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String(clientSRP), Username: aws.String("log@example.com"), Password: aws.String(pw)}); err != nil {
		t.Fatal(errCode(err))
	}
	code := srv.ConfirmationCode("log@example.com")
	if _, err := e.api.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: aws.String(clientSRP), Username: aws.String("log@example.com"), ConfirmationCode: aws.String(code)}); err != nil {
		t.Fatal(errCode(err))
	}
	cl, out, err := srpStart(t, e, clientSRP, "log@example.com")
	if err != nil {
		t.Fatal(errCode(err))
	}
	res, err := answerPassword(t, e, cl, clientSRP, pw, out, nil)
	if err != nil {
		t.Fatal(errCode(err))
	}
	answerPassword(t, e, cl, clientSRP, pw, out, nil) // a refused reuse, logged
	logs := buf.String()
	for name, secret := range map[string]string{"password": pw, "code": code, "access token": *res.AuthenticationResult.AccessToken, "refresh token": *res.AuthenticationResult.RefreshToken, "session": *out.Session} {
		if strings.Contains(logs, secret) {
			t.Errorf("log holds the %s", name)
		}
	}
	for _, want := range []string{`"op":"InitiateAuth"`, `"outcome":"ok"`, `"outcome":"NotAuthorizedException"`, `"client":"srpclient"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %s:\n%s", want, logs)
		}
	}
}

// TestCustomAuthWrongPassword: in CUSTOM_AUTH the password outcome goes
// into the session ({PASSWORD_VERIFIER, false}) and Define decides.
func TestCustomAuthWrongPassword(t *testing.T) {
	e := newEnv(t, stepUpTriggers())
	e.seed(t, "ann@example.com", "Correct-horse-1")
	cl, _ := srp.NewClient()
	out, err := e.api.InitiateAuth(context.Background(), &cip.InitiateAuthInput{
		ClientId: aws.String(clientCust), AuthFlow: types.AuthFlowTypeCustomAuth,
		AuthParameters: map[string]string{"USERNAME": "ann@example.com", "SRP_A": cl.SRPAHex(), "CHALLENGE_NAME": "SRP_A"},
	})
	if err != nil {
		t.Fatal(errCode(err))
	}
	_, err = answerPassword(t, e, cl, clientCust, "not-the-password", out, nil)
	if got := errCode(err); got != "NotAuthorizedException: Incorrect username or password." {
		t.Fatalf("error %q", got)
	}
	d := e.trig.of(SlotDefineAuthChallenge)
	if len(d) != 2 {
		t.Fatalf("%d Define invocations, want 2", len(d))
	}
	b, _ := json.Marshal(req(d[1])["session"])
	if want := `[{"challengeName":"SRP_A","challengeResult":true},{"challengeName":"PASSWORD_VERIFIER","challengeResult":false}]`; string(b) != want {
		t.Errorf("session %s, want %s", b, want)
	}
	if n := len(e.trig.of(SlotCreateAuthChallenge)); n != 0 {
		t.Errorf("Create ran %d times after a wrong password", n)
	}
}

func TestHostedHelpers(t *testing.T) {
	e := newEnv(t, stepUpTriggers())
	sub := e.seed(t, "ann@example.com", "Correct-horse-1")
	for _, tc := range []struct {
		name, user, pw string
		ok             bool
	}{
		{"right", "ann@example.com", "Correct-horse-1", true},
		{"wrong", "ann@example.com", "Correct-horse-2", false},
		{"unknown", "bob@example.com", "Correct-horse-1", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name, ok := e.srv.CheckPassword(tc.user, tc.pw)
			if ok != tc.ok || (ok && name != sub) {
				t.Fatalf("CheckPassword = %q, %v", name, ok)
			}
		})
	}
	toks, err := e.srv.IssueTokens(context.Background(), clientCust, "ann@example.com", []string{"openid"})
	if err != nil || toks.IDToken == "" || toks.RefreshToken == "" {
		t.Fatalf("IssueTokens: %v %+v", err, toks)
	}
	ev := e.trig.of(SlotPreTokenGeneration)
	if len(ev) != 1 || ev[0]["triggerSource"] != "TokenGeneration_HostedAuth" {
		t.Errorf("pre token generation events %v", ev)
	}
}

// TestHostedSignInScopes: a hosted sign-in's access token carries the OAuth
// scopes it was granted, also after a refresh, and calls the user's own
// operations (GetUser, UpdateUserAttributes) only with
// aws.cognito.signin.user.admin among them, as AWS documents.
func TestHostedSignInScopes(t *testing.T) {
	e := newEnv(t, nil)
	e.seed(t, "ann@example.com", "Correct-horse-1")
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		scopes []string
		want   string
	}{
		{"openid only", []string{"openid", "email"}, "NotAuthorizedException: Access Token does not have required scopes"},
		{"with the self-service scope", []string{"openid", "aws.cognito.signin.user.admin"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			toks, err := e.srv.IssueTokens(ctx, clientCust, "ann@example.com", tc.scopes)
			if err != nil {
				t.Fatal(err)
			}
			refreshed, err := e.srv.RefreshTokens(ctx, clientCust, toks.RefreshToken)
			if err != nil {
				t.Fatal(err)
			}
			for _, tok := range []string{toks.AccessToken, refreshed.AccessToken} {
				_, err := e.api.GetUser(ctx, &cip.GetUserInput{AccessToken: aws.String(tok)})
				if got := errCode(err); got != tc.want {
					t.Errorf("GetUser: %q, want %q", got, tc.want)
				}
				_, err = e.api.UpdateUserAttributes(ctx, &cip.UpdateUserAttributesInput{AccessToken: aws.String(tok),
					UserAttributes: []types.AttributeType{{Name: aws.String("name"), Value: aws.String("Ann")}}})
				if got := errCode(err); got != tc.want {
					t.Errorf("UpdateUserAttributes: %q, want %q", got, tc.want)
				}
			}
		})
	}
}

package stepup

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

func srp(ok bool) ChallengeResult {
	return ChallengeResult{ChallengeName: ChallengeSRPA, ChallengeResult: ok}
}
func pwd(ok bool) ChallengeResult {
	return ChallengeResult{ChallengeName: ChallengePasswordVerifier, ChallengeResult: ok}
}
func cust(ok bool) ChallengeResult {
	return ChallengeResult{ChallengeName: ChallengeCustom, ChallengeResult: ok, ChallengeMetadata: contract.ChallengeMetadata}
}
func sess(s ...ChallengeResult) []ChallengeResult { return s }

var (
	respFail   = DefineResponse{FailAuthentication: true}
	respIssue  = DefineResponse{IssueTokens: true}
	respPwd    = DefineResponse{ChallengeName: ChallengePasswordVerifier}
	respCustom = DefineResponse{ChallengeName: ChallengeCustom}
)

func TestDefine(t *testing.T) {
	strict := DefineConfig{MaxAttempts: 3}
	pwless := DefineConfig{MaxAttempts: 3, AllowPasswordless: true}
	foreign := ChallengeResult{ChallengeName: ChallengeCustom, ChallengeResult: true, ChallengeMetadata: "OTHER"}
	noMeta := ChallengeResult{ChallengeName: ChallengeCustom, ChallengeResult: true}
	cases := []struct {
		name   string
		cfg    DefineConfig
		s      []ChallengeResult
		want   DefineResponse
		reason Reason
	}{
		{"empty session refused", strict, nil, respFail, ReasonPasswordRequired},
		{"empty session passwordless", pwless, nil, respCustom, ReasonPasswordlessStart},
		{"after SRP_A", strict, sess(srp(true)), respPwd, ReasonNextPasswordVerifier},
		{"after SRP_A passwordless", pwless, sess(srp(true)), respPwd, ReasonNextPasswordVerifier},
		{"SRP_A false", strict, sess(srp(false)), respFail, ReasonSRPFailed},
		{"after password", strict, sess(srp(true), pwd(true)), respCustom, ReasonNextCustomChallenge},
		{"password false", strict, sess(srp(true), pwd(false)), respFail, ReasonPasswordFailed},
		{"password false passwordless", pwless, sess(srp(true), pwd(false)), respFail, ReasonPasswordFailed},
		{"custom passed", strict, sess(srp(true), pwd(true), cust(true)), respIssue, ReasonOK},
		{"custom failed once", strict, sess(srp(true), pwd(true), cust(false)), respCustom, ReasonRetryCustomChallenge},
		{"custom failed twice then passed", strict, sess(srp(true), pwd(true), cust(false), cust(false), cust(true)), respIssue, ReasonOK},
		{"attempt cap", strict, sess(srp(true), pwd(true), cust(false), cust(false), cust(false)), respFail, ReasonAttemptsExceeded},
		{"beyond cap", strict, sess(srp(true), pwd(true), cust(false), cust(false), cust(false), cust(true)), respFail, ReasonAttemptsExceeded},
		{"cap 1", DefineConfig{MaxAttempts: 1}, sess(srp(true), pwd(true), cust(false)), respFail, ReasonAttemptsExceeded},
		{"zero cap means default", DefineConfig{}, sess(srp(true), pwd(true), cust(false), cust(false)), respCustom, ReasonRetryCustomChallenge},
		{"anything after success", strict, sess(srp(true), pwd(true), cust(true), cust(false)), respFail, ReasonSequenceInvalid},
		{"two successes", strict, sess(srp(true), pwd(true), cust(true), cust(true)), respFail, ReasonSequenceInvalid},
		{"foreign metadata", strict, sess(srp(true), pwd(true), foreign), respFail, ReasonForeignChallenge},
		{"missing metadata", strict, sess(srp(true), pwd(true), noMeta), respFail, ReasonForeignChallenge},
		{"custom without password", strict, sess(cust(true)), respFail, ReasonPasswordRequired},
		{"custom without password passwordless", pwless, sess(cust(true)), respIssue, ReasonOK},
		{"custom false passwordless", pwless, sess(cust(false)), respCustom, ReasonRetryCustomChallenge},
		{"password first", strict, sess(pwd(true)), respFail, ReasonPasswordRequired},
		{"password first passwordless", pwless, sess(pwd(true), cust(true)), respFail, ReasonSequenceInvalid},
		{"SRP_A twice", strict, sess(srp(true), srp(true)), respFail, ReasonSequenceInvalid},
		{"SRP_A then custom", strict, sess(srp(true), cust(true)), respFail, ReasonSequenceInvalid},
		{"password twice", strict, sess(srp(true), pwd(true), pwd(true)), respFail, ReasonSequenceInvalid},
		{"SRP_A later", strict, sess(srp(true), pwd(true), cust(false), srp(true)), respFail, ReasonSequenceInvalid},
		{"unknown challenge", strict, sess(srp(true), pwd(true), ChallengeResult{ChallengeName: "SMS_MFA", ChallengeResult: true}), respFail, ReasonSequenceInvalid},
		{"unknown first", pwless, sess(ChallengeResult{ChallengeName: "DEVICE_SRP_AUTH", ChallengeResult: true}), respFail, ReasonSequenceInvalid},
		{"lower-case name", strict, sess(ChallengeResult{ChallengeName: "srp_a", ChallengeResult: true}), respFail, ReasonPasswordRequired},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, reason := Define(DefineRequest{Session: tc.s}, tc.cfg)
			if got != tc.want || reason != tc.reason {
				t.Fatalf("Define = %+v %s, want %+v %s", got, reason, tc.want, tc.reason)
			}
			// Unknown users: same answers, except never tokens.
			gotNF, reasonNF := Define(DefineRequest{Session: tc.s, UserNotFound: true}, tc.cfg)
			if tc.want.IssueTokens {
				if gotNF != respFail || reasonNF != ReasonUserNotFound {
					t.Fatalf("userNotFound got %+v %s", gotNF, reasonNF)
				}
			} else if gotNF != got || reasonNF != reason {
				t.Fatalf("userNotFound answer %+v differs from %+v", gotNF, got)
			}
		})
	}
}

// validIssue is the reference rule FuzzDefine checks Define against.
func validIssue(s []ChallengeResult, cfg DefineConfig, notFound bool) bool {
	if notFound {
		return false
	}
	maxAttempts := cfg.MaxAttempts
	if maxAttempts < 1 {
		maxAttempts = DefaultMaxAttempts
	}
	i := 0
	if len(s) >= 2 && s[0].ChallengeName == ChallengeSRPA && s[0].ChallengeResult &&
		s[1].ChallengeName == ChallengePasswordVerifier && s[1].ChallengeResult {
		i = 2
	} else if !cfg.AllowPasswordless {
		return false
	}
	c := s[i:]
	if len(c) < 1 || len(c) > maxAttempts {
		return false
	}
	for j, e := range c {
		want := cust(j == len(c)-1)
		if e != want {
			return false
		}
	}
	return true
}

func FuzzDefine(f *testing.F) {
	f.Add([]byte{0, 1, 2}, uint8(3), false, false)
	f.Add([]byte{0, 1, 2, 3, 2}, uint8(3), false, false)
	f.Add([]byte{2}, uint8(3), true, false)
	f.Add([]byte{0, 1, 2}, uint8(3), false, true)
	names := []string{ChallengeSRPA, ChallengePasswordVerifier, ChallengeCustom, "SMS_MFA", ""}
	metas := []string{"", contract.ChallengeMetadata, "OTHER"}
	f.Fuzz(func(t *testing.T, enc []byte, maxA uint8, pwless, notFound bool) {
		if len(enc) > 20 {
			enc = enc[:20]
		}
		var s []ChallengeResult
		for _, b := range enc {
			s = append(s, ChallengeResult{
				ChallengeName:     names[int(b)%len(names)],
				ChallengeResult:   b&0x80 == 0,
				ChallengeMetadata: metas[int(b>>3)%len(metas)],
			})
		}
		// make the meaningful metadata frequent for custom entries
		for i := range s {
			if s[i].ChallengeName == ChallengeCustom && enc[i]&0x40 == 0 {
				s[i].ChallengeMetadata = contract.ChallengeMetadata
			}
			if s[i].ChallengeName != ChallengeCustom && enc[i]&0x20 == 0 {
				s[i].ChallengeMetadata = ""
			}
		}
		cfg := DefineConfig{MaxAttempts: int(maxA % 12), AllowPasswordless: pwless}
		got, reason := Define(DefineRequest{Session: s, UserNotFound: notFound}, cfg)
		n := 0
		if got.IssueTokens {
			n++
		}
		if got.FailAuthentication {
			n++
		}
		if got.ChallengeName != "" {
			n++
		}
		if n != 1 {
			t.Fatalf("response must do exactly one thing: %+v", got)
		}
		if got.IssueTokens != validIssue(s, cfg, notFound) {
			t.Fatalf("IssueTokens=%v for %+v cfg %+v notFound=%v (%s)", got.IssueTokens, s, cfg, notFound, reason)
		}
		if got.IssueTokens != (reason == ReasonOK) {
			t.Fatalf("reason %s with %+v", reason, got)
		}
	})
}

func TestDefineHandlerRecoversAndLogs(t *testing.T) {
	h := NewDefineHandler(DefineConfig{MaxAttempts: 3})
	var logs bytes.Buffer
	h.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
	out, err := h.Handle(context.Background(), DefineEvent{Header: Header{UserPoolID: "p", UserName: "alice"}, Request: DefineRequest{Session: sess(srp(true), pwd(true), cust(true))}})
	if err != nil || !out.Response.IssueTokens {
		t.Fatalf("got %+v %v", out.Response, err)
	}
	if r := loggedReason(t, logs.String()); r != ReasonOK {
		t.Fatalf("reason %s", r)
	}
	assertNoLeak(t, logs.String())
	var m map[string]any
	_ = json.Unmarshal(logs.Bytes(), &m)
	if m["session_len"] != float64(3) {
		t.Fatalf("log line: %s", logs.String())
	}
}

// TestDefineOnDemand: with the on-demand policy the reason named with the
// PASSWORD_VERIFIER answer decides whether the provider is asked at all.
func TestDefineOnDemand(t *testing.T) {
	onDemand := DefineConfig{MaxAttempts: 3, Policy: contract.PolicyOnDemand, Reasons: []string{"high_value_transaction", "payout_change"}}
	always := DefineConfig{MaxAttempts: 3, Policy: contract.PolicyAlways, Reasons: onDemand.Reasons}
	reason := func(r string) map[string]string { return map[string]string{contract.MetadataStepUpReason: r} }
	cases := []struct {
		name       string
		cfg        DefineConfig
		s          []ChallengeResult
		md         map[string]string
		notFound   bool
		want       DefineResponse
		wantReason Reason
	}{
		{name: "ordinary sign-in: tokens after the password", cfg: onDemand, s: sess(srp(true), pwd(true)), want: respIssue, wantReason: ReasonOKPasswordOnly},
		{name: "allowed reason: the step-up", cfg: onDemand, s: sess(srp(true), pwd(true)), md: reason("payout_change"), want: respCustom, wantReason: ReasonNextCustomChallenge},
		{name: "unknown reason: no step-up, ordinary tokens", cfg: onDemand, s: sess(srp(true), pwd(true)), md: reason("admin"), want: respIssue, wantReason: ReasonOKPasswordOnly},
		{name: "reason with a suffix is not the reason", cfg: onDemand, s: sess(srp(true), pwd(true)), md: reason("payout_change "), want: respIssue, wantReason: ReasonOKPasswordOnly},
		{name: "failed password never gets tokens", cfg: onDemand, s: sess(srp(true), pwd(false)), want: respFail, wantReason: ReasonPasswordFailed},
		{name: "unknown user never gets tokens", cfg: onDemand, s: sess(srp(true), pwd(true)), notFound: true, want: respFail, wantReason: ReasonUserNotFound},
		{name: "the step-up once asked must pass", cfg: onDemand, s: sess(srp(true), pwd(true), cust(false)), want: respCustom, wantReason: ReasonRetryCustomChallenge},
		{name: "the step-up passed", cfg: onDemand, s: sess(srp(true), pwd(true), cust(true)), want: respIssue, wantReason: ReasonOK},
		{name: "always: no reason still asks", cfg: always, s: sess(srp(true), pwd(true)), want: respCustom, wantReason: ReasonNextCustomChallenge},
		{name: "on demand keeps the password required", cfg: onDemand, s: sess(), md: reason("payout_change"), want: respFail, wantReason: ReasonPasswordRequired},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, r := Define(DefineRequest{Session: tc.s, ClientMetadata: tc.md, UserNotFound: tc.notFound}, tc.cfg)
			if got != tc.want || r != tc.wantReason {
				t.Fatalf("Define = %+v, %s; want %+v, %s", got, r, tc.want, tc.wantReason)
			}
		})
	}
}

func TestDefineConfigPolicy(t *testing.T) {
	c, err := DefineConfigFromEnv(envFunc(map[string]string{contract.EnvStepUpPolicy: contract.PolicyOnDemand, contract.EnvStepUpReasons: `["payout_change"]`}))
	if err != nil || c.Policy != contract.PolicyOnDemand || len(c.Reasons) != 1 || c.Reasons[0] != "payout_change" {
		t.Fatalf("= %+v, %v", c, err)
	}
	if c, err := DefineConfigFromEnv(envFunc(nil)); err != nil || c.Policy != contract.PolicyAlways || c.Reasons[0] != contract.StepUpReasonHighValueTransaction {
		t.Fatalf("defaults = %+v, %v", c, err)
	}
	for _, env := range []map[string]string{
		{contract.EnvStepUpPolicy: "sometimes"},
		{contract.EnvStepUpReasons: `["Bad Reason"]`},
		{contract.EnvStepUpReasons: `[]`},
	} {
		if _, err := DefineConfigFromEnv(envFunc(env)); err == nil {
			t.Errorf("%v accepted", env)
		}
	}
}

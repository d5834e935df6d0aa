package stepup_test

// Benchmarks of the Verify trigger against the certified OP (test/oidcpeer)
// on loopback. The OP runs in this process, so ns/op of the warm benchmark
// includes the provider's own work (token endpoint, ID token signing);
// BenchmarkVerifyDecisionOnly isolates the handler's CPU per decision.
// Figures are reported, not asserted.

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/secretcache"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/steprecord"
	"github.com/cognitobridge/cognitobridge/lambdas/stepup"
	"github.com/cognitobridge/cognitobridge/lambdas/stepup/recordhook"
	"github.com/cognitobridge/cognitobridge/test/oidcpeer"
)

var (
	benchOPUser   = oidcpeer.User{Username: "bench-alice", Password: "bench-alice-pw", Email: "Bench.Alice@Example.com", EmailVerified: true}
	benchUserName = "bench-alice"
	benchAttrs    = map[string]string{"sub": "b0000000-0000-4000-8000-00000000a11c", "email": "bench.alice@example.com", "email_verified": "true"}
	benchLogger   = slog.New(slog.DiscardHandler)
)

// countingGetter is a fake Secrets Manager that counts GetSecretValue.
type countingGetter struct {
	value string
	calls atomic.Int64
}

func (g *countingGetter) GetSecretValue(context.Context, *secretsmanager.GetSecretValueInput, ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	g.calls.Add(1)
	return &secretsmanager.GetSecretValueOutput{SecretString: aws.String(g.value)}, nil
}

// countingSource counts the handler's reads of its SecretSource.
type countingSource struct {
	stepup.SecretSource
	reads atomic.Int64
}

func (c *countingSource) Value(ctx context.Context) (string, error) {
	c.reads.Add(1)
	return c.SecretSource.Value(ctx)
}

// benchRig is one warm container's worth of handlers against a peer.
type benchRig struct {
	peer   *oidcpeer.Peer
	cfg    stepup.Config
	create *stepup.CreateHandler
	verify *stepup.VerifyHandler
	getter *countingGetter
	source *countingSource
	db     *countingDynamoDB
}

func newBenchRig(b *testing.B) *benchRig {
	b.Helper()
	peer := oidcpeer.Start(b, oidcpeer.Options{Users: []oidcpeer.User{benchOPUser}})
	env := map[string]string{
		contract.EnvProvider:    contract.ProviderOIDC,
		contract.EnvSecretARN:   "arn:aws:secretsmanager:us-east-1:123456789012:secret:bench-AbCdEf",
		contract.EnvIssuer:      peer.Issuer(),
		contract.EnvRedirectURI: peer.RedirectURI(),
		contract.EnvClientID:    peer.ClientID(),
		contract.EnvScopes:      "openid email",
	}
	cfg, err := stepup.ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil {
		b.Fatal(err)
	}
	secretJSON, _ := json.Marshal(contract.ProviderSecret{ClientSecret: peer.ClientSecret()})
	r := &benchRig{peer: peer, cfg: cfg, getter: &countingGetter{value: string(secretJSON)}}
	r.source = &countingSource{SecretSource: secretcache.New(r.getter, cfg.SecretARN, cfg.SecretTTL)}
	// Create reads its own static secret so the counts are Verify's only.
	r.create = stepup.NewCreateHandler(cfg, stepup.StaticSecret(contract.ProviderSecret{ClientSecret: peer.ClientSecret()}), nil)
	r.create.Logger = benchLogger
	// The deployed recorder: enrollment and the sign-in's record, over a
	// call-counting in-memory DynamoDB.
	r.db = newCountingDynamoDB()
	r.verify = stepup.NewVerifyHandler(cfg, r.source, nil, recordhook.New(steprecord.New(r.db, "bench", time.Minute)))
	r.verify.Logger = benchLogger
	return r
}

type answered struct {
	ev   stepup.VerifyEvent
	code string
}

// answer runs Create and the browser leg and returns the Verify event of
// the correct answer.
func (r *benchRig) answer(b *testing.B) answered {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h := stepup.Header{Version: "1", Region: "us-east-1", UserPoolID: "us-east-1_Bench0001", UserName: benchUserName,
		CallerContext: stepup.CallerContext{ClientID: "benchclient0001"}}
	h.TriggerSource = "CreateAuthChallenge_Authentication"
	ce, err := r.create.Handle(ctx, stepup.CreateEvent{Header: h, Request: stepup.CreateRequest{
		UserAttributes: benchAttrs, ChallengeName: stepup.ChallengeCustom,
		Session: []stepup.ChallengeResult{{ChallengeName: stepup.ChallengeSRPA, ChallengeResult: true}, {ChallengeName: stepup.ChallengePasswordVerifier, ChallengeResult: true}},
	}})
	if err != nil {
		b.Fatalf("create: %v", err)
	}
	code, state, err := r.peer.BrowserLogin(ctx, ce.Response.PublicChallengeParameters[contract.PublicAuthorizeURL], benchOPUser.Username, benchOPUser.Password)
	if err != nil {
		b.Fatal(err)
	}
	h.TriggerSource = "VerifyAuthChallengeResponse_Authentication"
	return answered{code: code, ev: stepup.VerifyEvent{Header: h, Request: stepup.VerifyRequest{
		UserAttributes:             benchAttrs,
		PrivateChallengeParameters: ce.Response.PrivateChallengeParameters,
		ChallengeAnswer:            stepup.AnswerJSON(code, state),
	}}}
}

func (r *benchRig) mustVerify(b *testing.B, ev stepup.VerifyEvent) {
	out, err := r.verify.Handle(context.Background(), ev)
	if err != nil || !out.Response.AnswerCorrect {
		b.Fatalf("verify: answerCorrect=%v err=%v (reason: %s)", out.Response.AnswerCorrect, err, r.verify.Check(context.Background(), ev))
	}
}

// warmAnswers warms r with one passing Verify (secret, discovery, JWKS)
// and returns b.N fresh answers, obtained before the timer.
func (r *benchRig) warmAnswers(b *testing.B) []answered {
	r.mustVerify(b, r.answer(b).ev)
	pool := make([]answered, b.N)
	for i := range pool {
		pool[i] = r.answer(b)
	}
	return pool
}

// verifyAll times Verify.Handle over pool; every answer must pass.
func (r *benchRig) verifyAll(b *testing.B, pool []answered) {
	ctx := context.Background()
	b.ResetTimer()
	for i := range b.N {
		out, _ := r.verify.Handle(ctx, pool[i].ev)
		if !out.Response.AnswerCorrect {
			b.Fatalf("verify %d refused", i)
		}
	}
	b.StopTimer()
}

// BenchmarkVerifyWarm: Verify.Handle of a warm container (discovery, JWKS
// and the secret already fetched once) on a pool of fresh codes obtained
// before the timer. Each op is a token exchange with PKCE and client
// authentication at the in-process OP plus the ID token checks.
//
// The user is enrolled by the warm-up Verify, so every measured Verify is
// the warm path: the record written in one transaction conditioned on the
// enrollment.
//
// Metrics: upstream calls per verify (discovery, jwks, token);
// dynamodb/op (calls to DynamoDB: TransactWriteItems, GetItem);
// secret-reads/op (SecretSource.Value calls); GetSecretValue per 1000 warm
// verifies (fake getter behind secretcache, default 300 s TTL), and per
// 1000 verifies counting the container's cold first fetch too.
func BenchmarkVerifyWarm(b *testing.B) {
	r := newBenchRig(b)
	pool := r.warmAnswers(b)
	r.peer.ResetCalls()
	reads0, gets0, db0 := r.source.reads.Load(), r.getter.calls.Load(), r.db.calls.Load()
	r.verifyAll(b, pool)
	n := float64(b.N)
	calls := r.peer.Calls()
	b.ReportMetric(float64(calls[oidcpeer.EndpointDiscovery])/n, "discovery/op")
	b.ReportMetric(float64(calls[oidcpeer.EndpointJWKS])/n, "jwks/op")
	b.ReportMetric(float64(calls[oidcpeer.EndpointToken])/n, "token/op")
	b.ReportMetric(float64(r.db.calls.Load()-db0)/n, "dynamodb/op")
	b.ReportMetric(float64(r.source.reads.Load()-reads0)/n, "secret-reads/op")
	b.ReportMetric(float64(r.getter.calls.Load()-gets0)*1000/n, "GetSecretValue/1000warm")
	b.ReportMetric(float64(r.getter.calls.Load())*1000/(n+1), "GetSecretValue/1000incl-cold")
}

// BenchmarkVerifyFirstUse: the first passing step-up of users who have no
// enrollment yet (each op a new Cognito user): the conditioned record
// transaction fails, and one more transaction enrolls and records.
func BenchmarkVerifyFirstUse(b *testing.B) {
	r := newBenchRig(b)
	pool := r.warmAnswers(b)
	for i := range pool {
		attrs := maps.Clone(benchAttrs)
		attrs["sub"] = fmt.Sprintf("b0000000-0000-4000-8000-%012d", i)
		pool[i].ev.Request.UserAttributes = attrs
	}
	r.peer.ResetCalls()
	db0 := r.db.calls.Load()
	r.verifyAll(b, pool)
	n := float64(b.N)
	b.ReportMetric(float64(r.peer.Calls()[oidcpeer.EndpointToken])/n, "token/op")
	b.ReportMetric(float64(r.db.calls.Load()-db0)/n, "dynamodb/op")
}

// BenchmarkVerifyDecisionOnly: the handler's own work on an already
// fetched ID token, without the token exchange and without the OP:
// ParseAnswer, the constant-time state compare, ID token verification
// against a warm remote key set, claims decoding, the nonce compare,
// CheckBinding and CheckACR. The ID token verification is not an exported
// piece of stepup: it is the same go-oidc call with the same settings as
// VerifyHandler.Check (issuer, client id, cfg.IDTokenAlgs, RemoteKeySet),
// made here directly. checkAZP (unexported, a map lookup) is left out.
func BenchmarkVerifyDecisionOnly(b *testing.B) {
	r := newBenchRig(b)
	a := r.answer(b)
	priv := a.ev.Request.PrivateChallengeParameters
	ctx := context.Background()
	oc := oauth2.Config{
		ClientID:     r.peer.ClientID(),
		ClientSecret: r.peer.ClientSecret(),
		Endpoint:     oauth2.Endpoint{TokenURL: r.peer.TokenURL(), AuthStyle: oauth2.AuthStyleInHeader},
		RedirectURL:  r.peer.RedirectURI(),
		Scopes:       r.cfg.Scopes,
	}
	tok, err := oc.Exchange(ctx, a.code, oauth2.VerifierOption(priv[contract.PrivateCodeVerifier]))
	if err != nil {
		b.Fatal(err)
	}
	rawID, _ := tok.Extra("id_token").(string)
	if rawID == "" {
		b.Fatal("no id_token")
	}
	v := oidc.NewVerifier(r.peer.Issuer(), oidc.NewRemoteKeySet(ctx, r.peer.JWKSURL()), &oidc.Config{
		ClientID:             r.cfg.ClientID,
		SupportedSigningAlgs: r.cfg.IDTokenAlgs,
	})
	decide := func() stepup.Reason {
		ans, reason := stepup.ParseAnswer(a.ev.Request.ChallengeAnswer)
		if reason != stepup.ReasonOK {
			return reason
		}
		if subtle.ConstantTimeCompare([]byte(ans.State), []byte(priv[contract.PrivateState])) != 1 {
			return stepup.ReasonStateMismatch
		}
		idt, err := v.Verify(ctx, rawID)
		if err != nil {
			return stepup.ReasonIDTokenInvalid
		}
		var claims map[string]json.RawMessage
		if err := idt.Claims(&claims); err != nil {
			return stepup.ReasonIDTokenInvalid
		}
		if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(priv[contract.PrivateNonce])) != 1 {
			return stepup.ReasonNonceMismatch
		}
		if reason := stepup.CheckBinding(r.cfg, benchUserName, benchAttrs, claims); reason != stepup.ReasonOK {
			return reason
		}
		return stepup.CheckACR(r.cfg.RequiredACR, claims)
	}
	if reason := decide(); reason != stepup.ReasonOK { // warms the key set
		b.Fatalf("decision: %s", reason)
	}
	r.peer.ResetCalls()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if reason := decide(); reason != stepup.ReasonOK {
			b.Fatalf("decision: %s", reason)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(r.peer.Calls()[oidcpeer.EndpointJWKS])/float64(b.N), "jwks/op")
}

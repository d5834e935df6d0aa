package e2e

import (
	"context"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/test/lambdaproc"
	"github.com/cognitobridge/cognitobridge/test/localcognito"
	"github.com/cognitobridge/cognitobridge/test/oidcpeer"
)

var (
	arm64Once sync.Once
	arm64Size int64
	arm64Err  error
)

// BenchmarkBootstrapSize builds stepup-verify as the construct does
// (constructs/internal/gobuild: GOOS=linux GOARCH=arm64 CGO_ENABLED=0, -tags
// lambda.norpc -trimpath -buildvcs=false -ldflags="-s -w -buildid=", file
// bootstrap; the flags are repeated here because that package is internal
// to constructs/) and reports the binary's size. The time is not reported.
func BenchmarkBootstrapSize(b *testing.B) {
	arm64Once.Do(func() {
		dir := filepath.Join(binDir, "linux-arm64")
		out := filepath.Join(dir, "bootstrap")
		args := []string{"build", "-tags", "lambda.norpc", "-trimpath", "-buildvcs=false", "-ldflags=-s -w -buildid=", "-o", out, lambdaproc.ModulePath + "/lambdas/cmd/" + binVerify}
		cmd := exec.Command(lambdaproc.GoTool(), args...)
		cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
		if o, err := cmd.CombinedOutput(); err != nil {
			arm64Err = &buildError{args: args, out: string(o), err: err}
			return
		}
		fi, err := os.Stat(out)
		if err != nil {
			arm64Err = err
			return
		}
		arm64Size = fi.Size()
	})
	if arm64Err != nil {
		b.Fatal(arm64Err)
	}
	for range b.N {
	}
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(float64(arm64Size), "bytes")
	b.ReportMetric(float64(arm64Size)/(1<<20), "MiB")
}

type buildError struct {
	args []string
	out  string
	err  error
}

func (e *buildError) Error() string {
	return "go " + strings.Join(e.args, " ") + ": " + e.err.Error() + "\n" + e.out
}

// BenchmarkColdStart measures a fresh stepup-verify process (host build)
// from process start to its first answer through the Runtime API, which
// includes the Go runtime start, configuration, SDK client construction
// and the first GET .../next.
//
//   - no-io: the first event is an answer Verify rejects before any I/O,
//     so this is the bootstrap's own start-up.
//   - full-verify: the first event is a correct answer, so the figure adds
//     the cold secret fetch (moto_server on loopback), discovery, JWKS and
//     the token exchange (the certified OP in this process, on loopback).
func BenchmarkColdStart(b *testing.B) {
	round := localcognito.ChallengeRound{Header: (&cognito{poolID: "us-east-1_E2Etest01", clientID: "client"}).header("", alice), UserAttributes: alice.attrs}
	invalid := round.Verify(map[string]string{contract.PrivateState: "s", contract.PrivateNonce: "n", contract.PrivateCodeVerifier: "v"}, "not json")

	b.Run("no-io", func(b *testing.B) {
		env := map[string]string{
			contract.EnvProvider:    contract.ProviderOIDC,
			contract.EnvSecretARN:   "arn:aws:secretsmanager:us-east-1:123456789012:secret:stepup-AbCdEf",
			contract.EnvIssuer:      "https://idp.example.com",
			contract.EnvRedirectURI: "https://app.example.com/callback",
			contract.EnvClientID:    "client",
			// Named only: the refusal comes before any store call.
			contract.EnvStepUpTable: "cognitobridge-bench",
		}
		binary(b, binVerify)
		var total time.Duration
		b.ResetTimer()
		for range b.N {
			b.StopTimer()
			f := prepareFunction(b, binVerify, env)
			b.StartTimer()
			t0 := time.Now()
			f.start(b)
			var out localcognito.VerifyAuthChallengeEvent
			if err := f.invoke(b, invalid, &out); err != nil || out.Response.AnswerCorrect {
				b.Fatalf("answer %+v, %v", out.Response, err)
			}
			total += time.Since(t0)
			b.StopTimer()
			f.stop()
		}
		b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms/first-answer")
	})

	b.Run("full-verify", func(b *testing.B) {
		moto := startMoto(b)
		peer := oidcpeer.Start(b, oidcpeer.Options{Users: peerUsers})
		s := newBenchStack(b, moto, peer)
		s.challengeAnswered(b) // warms Create: its discovery is not Verify's
		var total time.Duration
		peer.ResetCalls()
		b.ResetTimer()
		for range b.N {
			b.StopTimer()
			ve := s.challengeAnswered(b)
			f := prepareFunction(b, binVerify, s.env)
			b.StartTimer()
			t0 := time.Now()
			f.start(b)
			var out localcognito.VerifyAuthChallengeEvent
			if err := f.invoke(b, ve, &out); err != nil || !out.Response.AnswerCorrect {
				b.Fatalf("answer %+v, %v\n%s", out.Response, err, f.output(b))
			}
			total += time.Since(t0)
			b.StopTimer()
			f.stop()
		}
		b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms/first-answer")
		calls := peer.Calls()
		for _, ep := range []string{oidcpeer.EndpointDiscovery, oidcpeer.EndpointJWKS, oidcpeer.EndpointToken} {
			b.ReportMetric(float64(calls[ep])/float64(b.N), ep+"-calls/op")
		}
	})
}

// benchStack is a warm Create function and the Verify configuration.
type benchStack struct {
	peer   *oidcpeer.Peer
	create *function
	env    map[string]string
	pool   *cognito
}

func newBenchStack(b *testing.B, moto string, peer *oidcpeer.Peer) *benchStack {
	env := map[string]string{
		contract.EnvProvider:               contract.ProviderOIDC,
		contract.EnvIssuer:                 peer.Issuer(),
		contract.EnvRedirectURI:            peer.RedirectURI(),
		contract.EnvClientID:               peer.ClientID(),
		contract.EnvScopes:                 "openid email",
		contract.EnvSecretARN:              createSecret(b, moto, "cognitobridge/bench", contract.ProviderSecret{ClientSecret: peer.ClientSecret()}),
		"AWS_ENDPOINT_URL_SECRETS_MANAGER": moto,
	}
	// Create counts each user's starts in the step-up table (one UpdateItem
	// per start); Verify writes the enrollment and the sign-in's record
	// there (moto's DynamoDB): the first passing step-up enrolls, later
	// ones record.
	env[contract.EnvStepUpTable] = createTable(b, moto, "cognitobridge-bench")
	// Every iteration starts a challenge for the same user: the largest cap.
	env[contract.EnvUserCapStarts] = strconv.Itoa(contract.MaxUserCapStarts)
	env["AWS_ENDPOINT_URL_DYNAMODB"] = moto
	s := &benchStack{peer: peer, env: env, create: startFunction(b, binCreate, env)}
	s.env = maps.Clone(env)
	s.pool = &cognito{poolID: "us-east-1_E2Etest01", clientID: "client", create: s.create}
	return s
}

// challengeAnswered runs Create (warm) and the browser, and returns the
// Verify event Cognito would send for the correct answer.
func (s *benchStack) challengeAnswered(b *testing.B) localcognito.VerifyAuthChallengeEvent {
	round := localcognito.ChallengeRound{Header: s.pool.header("", alice), UserAttributes: alice.attrs}
	ce := round.Create([]localcognito.SessionEntry{{ChallengeName: localcognito.ChallengeSRPA, ChallengeResult: true}, {ChallengeName: localcognito.ChallengePassword, ChallengeResult: true}})
	if err := s.create.invoke(b, ce, &ce); err != nil {
		b.Fatalf("create: %v\n%s", err, s.create.output(b))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	code, state, err := s.peer.BrowserLogin(ctx, ce.Response.PublicChallengeParameters[contract.PublicAuthorizeURL], "alice", "alice-provider-pw")
	if err != nil {
		b.Fatal(err)
	}
	return round.Verify(ce.Response.PrivateChallengeParameters, answerJSON(code, state))
}

package stepup_test

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/cognitobridge/cognitobridge/lambdas/clientassert"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/steprecord"
	"github.com/cognitobridge/cognitobridge/lambdas/stepup"
	"github.com/cognitobridge/cognitobridge/lambdas/stepup/recordhook"
	"github.com/cognitobridge/cognitobridge/test/motoserver"
	"github.com/cognitobridge/cognitobridge/test/oidcpeer"
)

// countingKMS counts kms:Sign calls.
type countingKMS struct {
	clientassert.KMSSigner
	calls atomic.Int64
}

func (c *countingKMS) Sign(ctx context.Context, in *kms.SignInput, o ...func(*kms.Options)) (*kms.SignOutput, error) {
	c.calls.Add(1)
	return c.KMSSigner.Sign(ctx, in, o...)
}

// inProcessKMS signs RAW messages with an RSA key of the process: the
// handler's own cost of an assertion, without any network.
type inProcessKMS struct{ key *rsa.PrivateKey }

func (k inProcessKMS) Sign(_ context.Context, in *kms.SignInput, _ ...func(*kms.Options)) (*kms.SignOutput, error) {
	h := sha256.Sum256(in.Message)
	sig, err := rsa.SignPKCS1v15(rand.Reader, k.key, crypto.SHA256, h[:])
	return &kms.SignOutput{Signature: sig}, err
}

// newKeyBenchRig is newBenchRig with private_key_jwt: no secret; sign
// signs (moto's KMS or the in-process key) and the provider holds pub.
func newKeyBenchRig(b *testing.B, sign clientassert.KMSSigner, keyARN string, spki []byte) (*benchRig, *countingKMS) {
	b.Helper()
	jwk, err := clientassert.PublicJWK(spki, contract.ClientAssertionRS256)
	if err != nil {
		b.Fatal(err)
	}
	peer := oidcpeer.Start(b, oidcpeer.Options{Users: []oidcpeer.User{benchOPUser}})
	peer.SetClientKeys(jwk.Public())
	env := map[string]string{
		contract.EnvProvider:                contract.ProviderOIDC,
		contract.EnvIssuer:                  peer.Issuer(),
		contract.EnvRedirectURI:             peer.RedirectURI(),
		contract.EnvClientID:                peer.ClientID(),
		contract.EnvScopes:                  "openid email",
		contract.EnvTokenAuthMethod:         contract.TokenAuthPrivateKeyJWT,
		contract.EnvClientAssertionKey:      keyARN,
		contract.EnvClientAssertionKID:      jwk.KeyID,
		contract.EnvClientAssertionAudience: contract.AudienceIssuer,
	}
	cfg, err := stepup.ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil {
		b.Fatal(err)
	}
	counting := &countingKMS{KMSSigner: sign}
	r := &benchRig{peer: peer, cfg: cfg}
	r.create = stepup.NewCreateHandler(cfg, nil, nil)
	r.create.Logger = benchLogger
	r.db = newCountingDynamoDB()
	r.verify = stepup.NewVerifyHandler(cfg, nil, nil, recordhook.New(steprecord.New(r.db, "bench", time.Minute)))
	r.verify.Logger = benchLogger
	r.verify.Signer = &clientassert.Signer{KMS: counting, KeyARN: keyARN, KID: jwk.KeyID, Alg: contract.ClientAssertionRS256}
	return r, counting
}

func runWarmKey(b *testing.B, r *benchRig, k *countingKMS) {
	pool := r.warmAnswers(b)
	signs0 := k.calls.Load()
	r.peer.ResetCalls()
	r.verifyAll(b, pool)
	n := float64(b.N)
	b.ReportMetric(float64(k.calls.Load()-signs0)/n, "kms-sign/op")
	b.ReportMetric(float64(r.peer.Calls()[oidcpeer.EndpointToken])/n, "token/op")
	b.ReportMetric(float64(r.peer.Calls()[oidcpeer.EndpointDiscovery])/n, "discovery/op")
}

// BenchmarkVerifyWarmPrivateKeyJWTInProcess: BenchmarkVerifyWarm with the
// client assertion signed in process (RSA 2048): what go-jose, the
// signature and the provider's verification of it add, without KMS's
// network round trip.
func BenchmarkVerifyWarmPrivateKeyJWTInProcess(b *testing.B) {
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	spki, _ := x509.MarshalPKIXPublicKey(key.Public())
	r, k := newKeyBenchRig(b, inProcessKMS{key}, "arn:aws:kms:us-east-1:123456789012:key/bench", spki)
	runWarmKey(b, r, k)
}

// BenchmarkVerifyWarmPrivateKeyJWTMoto: the same with the key in moto's KMS
// on loopback (a Python server: an upper bound of the SDK's own cost, not a
// figure for AWS KMS).
func BenchmarkVerifyWarmPrivateKeyJWTMoto(b *testing.B) {
	endpoint := motoserver.Start(b)
	c := kms.New(kms.Options{Region: motoserver.Region, BaseEndpoint: aws.String(endpoint), Credentials: motoserver.Credentials})
	ctx := context.Background()
	out, err := c.CreateKey(ctx, &kms.CreateKeyInput{KeySpec: kmstypes.KeySpecRsa2048, KeyUsage: kmstypes.KeyUsageTypeSignVerify})
	if err != nil {
		b.Fatal(err)
	}
	pub, err := c.GetPublicKey(ctx, &kms.GetPublicKeyInput{KeyId: out.KeyMetadata.Arn})
	if err != nil {
		b.Fatal(err)
	}
	r, k := newKeyBenchRig(b, c, aws.ToString(out.KeyMetadata.Arn), pub.PublicKey)
	runWarmKey(b, r, k)
}

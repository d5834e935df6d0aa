package clientjwks

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	jose "github.com/go-jose/go-jose/v4"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

type fakeKMS map[string][]byte

func (f fakeKMS) GetPublicKey(_ context.Context, in *kms.GetPublicKeyInput, _ ...func(*kms.Options)) (*kms.GetPublicKeyOutput, error) {
	return &kms.GetPublicKeyOutput{PublicKey: f[*in.KeyId], KeyUsage: "SIGN_VERIFY"}, nil
}

func spki(t *testing.T, pub any) []byte {
	b, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPublishesBothKeysSigningKeyFirst(t *testing.T) {
	a, _ := rsa.GenerateKey(rand.Reader, 2048)
	b, _ := rsa.GenerateKey(rand.Reader, 2048)
	h := &Handler{KMS: fakeKMS{"arn:a": spki(t, a.Public()), "arn:b": spki(t, b.Public())}}
	ev := cfn.Event{RequestType: cfn.RequestCreate, ResourceProperties: map[string]interface{}{
		contract.ClientJWKSPropKeys: []interface{}{"arn:a", "arn:b"}, contract.ClientJWKSPropAlg: "RS256",
	}}
	_, data, err := h.Handle(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal([]byte(data[contract.ClientJWKSAttrJWKS].(string)), &set); err != nil {
		t.Fatal(err)
	}
	if len(set.Keys) != 2 || set.Keys[0].KeyID != data[contract.ClientJWKSAttrKID] || !set.Keys[0].IsPublic() || !set.Keys[1].IsPublic() {
		t.Fatalf("set %+v kid %v", set, data[contract.ClientJWKSAttrKID])
	}
	if strings.Contains(data[contract.ClientJWKSAttrJWKS].(string), `"d"`) {
		t.Fatal("private part published")
	}
}

func TestRefusesAKeyThatDoesNotFitTheAlgorithm(t *testing.T) {
	e, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	h := &Handler{KMS: fakeKMS{"arn:e": spki(t, e.Public())}}
	ev := cfn.Event{RequestType: cfn.RequestCreate, ResourceProperties: map[string]interface{}{
		contract.ClientJWKSPropKeys: []interface{}{"arn:e"}, contract.ClientJWKSPropAlg: "RS256",
	}}
	if _, _, err := h.Handle(context.Background(), ev); err == nil || !strings.Contains(err.Error(), "RSA_2048") {
		t.Fatalf("err %v", err)
	}
	if _, err := h.Serve(context.Background(), cfn.Event{ResponseURL: "https://attacker.example/x"}); err == nil {
		t.Fatal("answered a foreign response URL")
	}
}

// The rollback of a Create refused for bad properties sends a Delete with
// the same properties: it must succeed, or the stack is stuck.
func TestDeleteWithBadPropertiesSucceeds(t *testing.T) {
	h := &Handler{KMS: fakeKMS{}}
	bad := map[string]interface{}{contract.ClientJWKSPropKeys: []interface{}{"not-an-arn"}, contract.ClientJWKSPropAlg: "RS256"}
	if _, _, err := h.Handle(context.Background(), cfn.Event{RequestType: cfn.RequestCreate, ResourceProperties: bad}); err == nil {
		t.Fatal("Create with bad properties accepted")
	}
	physical, _, err := h.Handle(context.Background(), cfn.Event{RequestType: cfn.RequestDelete, PhysicalResourceID: "p-1", ResourceProperties: bad})
	if err != nil || physical != "p-1" {
		t.Fatalf("Delete: %q, %v", physical, err)
	}
}

// Package clientjwks is the CloudFormation custom resource that publishes the
// public half of the KMS keys that sign private_key_jwt client assertions
// (issue 18): for each key ARN it calls kms:GetPublicKey, checks the key
// fits the algorithm (RSA_2048 for RS256/PS256, ECC_NIST_P256 for ES256) and
// answers the JWK Set (attribute contract.ClientJWKSAttrJWKS) and the signing
// key's kid (contract.ClientJWKSAttrKID, the RFC 7638 thumbprint). Nothing
// it reads or answers is secret. Delete does nothing: the keys are the
// stack's or the user's.
package clientjwks

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	jose "github.com/go-jose/go-jose/v4"

	"github.com/cognitobridge/cognitobridge/lambdas/clientassert"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/pooltriggers"
)

// PublicKeys is the one KMS call.
type PublicKeys interface {
	GetPublicKey(ctx context.Context, in *kms.GetPublicKeyInput, opts ...func(*kms.Options)) (*kms.GetPublicKeyOutput, error)
}

// Handler answers the custom resource.
type Handler struct {
	KMS    PublicKeys
	Region string
	Logger *slog.Logger
}

// Serve answers CloudFormation at its pre-signed ResponseURL of this region
// only (pooltriggers.ResponseURLError): a request naming another URL gets no
// answer at all.
func (h *Handler) Serve(ctx context.Context, ev cfn.Event) (string, error) {
	if err := pooltriggers.ResponseURLError(ev.ResponseURL, h.Region); err != nil {
		h.logger().Error("refused", "reason", "foreign_response_url")
		return "", err
	}
	return cfn.LambdaWrap(h.Handle)(ctx, ev)
}

func (h *Handler) logger() *slog.Logger {
	if h.Logger != nil {
		return h.Logger
	}
	return slog.Default()
}

// Handle is the resource's logic.
func (h *Handler) Handle(ctx context.Context, ev cfn.Event) (string, map[string]interface{}, error) {
	// Nothing was created, so a Delete has nothing to undo; it succeeds
	// before reading the properties, or the rollback of a Create refused
	// for bad properties would fail the same way and leave the stack in
	// DELETE_FAILED.
	if ev.RequestType == cfn.RequestDelete {
		return ev.PhysicalResourceID, nil, nil
	}
	keys, alg, err := parse(ev.ResourceProperties)
	if err != nil {
		return ev.PhysicalResourceID, nil, err
	}
	physical := physicalID(keys, alg)
	jwks, kid, err := h.Publish(ctx, keys, alg)
	if err != nil {
		h.logger().Error("refused", "reason", "public_key_unusable", "error", err.Error())
		return physical, nil, err
	}
	h.logger().Info("published", "keys", len(keys), "kid", kid)
	return physical, map[string]interface{}{contract.ClientJWKSAttrJWKS: jwks, contract.ClientJWKSAttrKID: kid}, nil
}

// Publish reads the keys' public halves: the JWK Set JSON and the first
// (signing) key's kid.
func (h *Handler) Publish(ctx context.Context, keys []string, alg string) (jwks, kid string, err error) {
	var set []jose.JSONWebKey
	for _, k := range keys {
		out, err := h.KMS.GetPublicKey(ctx, &kms.GetPublicKeyInput{KeyId: aws.String(k)})
		if err != nil {
			return "", "", fmt.Errorf("kms:GetPublicKey of %s: %w", k, err)
		}
		if out.KeyUsage != "" && out.KeyUsage != "SIGN_VERIFY" {
			return "", "", fmt.Errorf("expected a SIGN_VERIFY key, received %s usage for %s", out.KeyUsage, k)
		}
		jwk, err := clientassert.PublicJWK(out.PublicKey, alg)
		if err != nil {
			return "", "", fmt.Errorf("%s: %w", k, err)
		}
		set = append(set, jwk.Public())
	}
	jwks, err = clientassert.JWKS(set...)
	if err != nil {
		return "", "", err
	}
	return jwks, set[0].KeyID, nil
}

func parse(p map[string]interface{}) (keys []string, alg string, err error) {
	raw, _ := p[contract.ClientJWKSPropKeys].([]interface{})
	for _, v := range raw {
		s, ok := v.(string)
		if !ok || !strings.HasPrefix(s, "arn:") {
			return nil, "", fmt.Errorf("expected %s to hold KMS key ARNs, received %v", contract.ClientJWKSPropKeys, v)
		}
		keys = append(keys, s)
	}
	if len(keys) < 1 || len(keys) > 2 {
		return nil, "", fmt.Errorf("expected 1 or 2 keys in %s, received %d", contract.ClientJWKSPropKeys, len(keys))
	}
	alg, _ = p[contract.ClientJWKSPropAlg].(string)
	if contract.ClientAssertionKeySpec(alg) == "" {
		return nil, "", errors.New("expected " + contract.ClientJWKSPropAlg + " RS256, PS256 or ES256, received " + fmt.Sprintf("%q", alg))
	}
	return keys, alg, nil
}

// physicalID changes when the keys or the algorithm change (CloudFormation
// then replaces the resource; Delete is a no-op).
func physicalID(keys []string, alg string) string {
	h := sha256.Sum256([]byte(alg + "|" + strings.Join(keys, "|")))
	return "cognitobridge-client-jwks-" + hex.EncodeToString(h[:8])
}

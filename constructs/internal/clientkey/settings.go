package clientkey

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"

	"github.com/cognitobridge/cognitobridge/constructs/internal/propcheck"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// Settings are the ClientAssertion* props as a construct takes them
// (StepUpProps, ConnectProps): nil means the documented default.
type Settings struct {
	Key, RotationKey    awskms.IKey
	Algorithm, Audience *string
	JwksURI             *bool
}

// Selected reports whether method, the token endpoint authentication, is
// private_key_jwt (a KMS key, no secret). A token (a parameter) selects
// the secret methods: the construct must know at synthesis.
func Selected(method *string) bool {
	return method != nil && !propcheck.IsToken(method) && *method == contract.TokenAuthPrivateKeyJWT
}

// ErrSecret refuses a Secret given with private_key_jwt.
var ErrSecret = fmt.Errorf("expected no Secret with TokenAuthMethod %q (a KMS key authenticates; nothing reads a secret), received a Secret", contract.TokenAuthPrivateKeyJWT)

// Unexpected reports every setting given while the token endpoint
// authentication (method) is not private_key_jwt.
func (s Settings) Unexpected(method *string) []error {
	var errs []error
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"ClientAssertionKey", s.Key != nil},
		{"ClientAssertionRotationKey", s.RotationKey != nil},
		{"ClientAssertionAlgorithm", s.Algorithm != nil},
		{"ClientAssertionAudience", s.Audience != nil},
		{"ClientAssertionJwksUri", s.JwksURI != nil},
	} {
		if f.set {
			errs = append(errs, fmt.Errorf("expected %s only with TokenAuthMethod %q, received it with TokenAuthMethod %s", f.name, contract.TokenAuthPrivateKeyJWT, propcheck.Show(method)))
		}
	}
	return errs
}

// Check validates the algorithm and the audience.
func (s Settings) Check() []error {
	return []error{
		propcheck.OneOf("ClientAssertionAlgorithm", s.Algorithm, contract.ClientAssertionRS256, contract.ClientAssertionPS256, contract.ClientAssertionES256),
		propcheck.OneOf("ClientAssertionAudience", s.Audience, contract.AudienceTokenEndpoint, contract.AudienceIssuer),
	}
}

// Props is the key set's Props with the defaults filled in (RS256, the
// token endpoint as the audience, no jwks_uri).
func (s Settings) Props(label string, code awslambda.Code, retention awslogs.RetentionDays) Props {
	alg, aud := contract.ClientAssertionRS256, contract.AudienceTokenEndpoint
	if s.Algorithm != nil {
		alg = *s.Algorithm
	}
	if s.Audience != nil {
		aud = *s.Audience
	}
	return Props{
		Key: s.Key, RotationKey: s.RotationKey, Algorithm: alg, Audience: aud,
		JwksURI: s.JwksURI != nil && *s.JwksURI, Label: label, Code: code, LogRetention: retention,
	}
}

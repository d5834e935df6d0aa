package connect

import (
	"errors"
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"

	"github.com/cognitobridge/cognitobridge/constructs/internal/clientkey"
	"github.com/cognitobridge/cognitobridge/constructs/internal/propcheck"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// keyMode reports whether the callback authenticates to the provider's
// token endpoint with private_key_jwt (a KMS key, no secret).
func (p *ConnectProps) keyMode() bool {
	return p.TokenAuthMethod != nil && !propcheck.IsToken(p.TokenAuthMethod) && *p.TokenAuthMethod == contract.TokenAuthPrivateKeyJWT
}

// validateClientAssertion checks the private_key_jwt props; fedClientID is
// Federation's client id (nil without Federation or when unresolved).
// Every problem is reported.
func (p *ConnectProps) validateClientAssertion(fedClientID *string) error {
	var errs []error
	if !p.keyMode() {
		for _, f := range []struct {
			name string
			set  bool
		}{
			{"ClientAssertionKey", p.ClientAssertionKey != nil},
			{"ClientAssertionRotationKey", p.ClientAssertionRotationKey != nil},
			{"ClientAssertionAlgorithm", p.ClientAssertionAlgorithm != nil},
			{"ClientAssertionAudience", p.ClientAssertionAudience != nil},
			{"ClientAssertionJwksUri", p.ClientAssertionJwksUri != nil},
		} {
			if f.set {
				errs = append(errs, fmt.Errorf("expected %s only with TokenAuthMethod %q, received it with TokenAuthMethod %s", f.name, contract.TokenAuthPrivateKeyJWT, propcheck.Show(p.TokenAuthMethod)))
			}
		}
		return errors.Join(errs...)
	}
	switch {
	case p.ClientID == nil:
		errs = append(errs, fmt.Errorf("expected ClientID with TokenAuthMethod %q (connect's own client at the provider, registered for private_key_jwt; the pool's identity-provider client authenticates with its secret), received nil", contract.TokenAuthPrivateKeyJWT))
	case fedClientID != nil && !propcheck.IsToken(p.ClientID) && *p.ClientID == *fedClientID:
		errs = append(errs, fmt.Errorf("expected ClientID with TokenAuthMethod %q to be connect's own client at the provider, received Federation's client id %q (Cognito's federation authenticates that client with its secret)", contract.TokenAuthPrivateKeyJWT, *p.ClientID))
	}
	if p.Secret != nil {
		errs = append(errs, fmt.Errorf("expected no Secret with TokenAuthMethod %q (a KMS key authenticates; nothing reads a secret), received a Secret", contract.TokenAuthPrivateKeyJWT))
	}
	if p.SecretField != nil {
		errs = append(errs, fmt.Errorf("expected no SecretField with TokenAuthMethod %q (there is no secret), received %s", contract.TokenAuthPrivateKeyJWT, propcheck.Show(p.SecretField)))
	}
	errs = append(errs,
		propcheck.OneOf("ClientAssertionAlgorithm", p.ClientAssertionAlgorithm, contract.ClientAssertionRS256, contract.ClientAssertionPS256, contract.ClientAssertionES256),
		propcheck.OneOf("ClientAssertionAudience", p.ClientAssertionAudience, contract.AudienceTokenEndpoint, contract.AudienceIssuer),
	)
	return errors.Join(errs...)
}

// newClientKey creates the private_key_jwt key set (constructs/internal/clientkey,
// shared with constructs/stepup): the key, the public-JWK custom resource,
// the outputs ClientAssertionJwks and ClientAssertionKid (and
// ClientAssertionJwksUri).
func (p *ConnectProps) newClientKey(scope constructs.Construct, retention awslogs.RetentionDays) *clientkey.ClientKey {
	alg, aud := contract.ClientAssertionRS256, contract.AudienceTokenEndpoint
	if p.ClientAssertionAlgorithm != nil {
		alg = *p.ClientAssertionAlgorithm
	}
	if p.ClientAssertionAudience != nil {
		aud = *p.ClientAssertionAudience
	}
	var code awslambda.Code
	if p.Code != nil {
		code = p.Code.ClientJwks
	}
	return clientkey.New(scope, clientkey.Props{
		Key:          p.ClientAssertionKey,
		RotationKey:  p.ClientAssertionRotationKey,
		Algorithm:    alg,
		Audience:     aud,
		JwksURI:      p.ClientAssertionJwksUri != nil && *p.ClientAssertionJwksUri,
		Label:        "provider's connect client",
		LogRetention: retention,
		Code:         code,
	})
}

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
	return clientkey.Selected(p.TokenAuthMethod)
}

// validateClientAssertion checks the private_key_jwt props; fedClientID is
// Federation's client id (nil without Federation or when unresolved).
// Every problem is reported.
func (p *ConnectProps) validateClientAssertion(fedClientID *string) error {
	if !p.keyMode() {
		return errors.Join(p.clientAssertion().Unexpected(p.TokenAuthMethod)...)
	}
	var errs []error
	switch {
	case p.ClientID == nil:
		errs = append(errs, fmt.Errorf("expected ClientID with TokenAuthMethod %q (connect's own client at the provider, registered for private_key_jwt; the pool's identity-provider client authenticates with its secret), received nil", contract.TokenAuthPrivateKeyJWT))
	case fedClientID != nil && !propcheck.IsToken(p.ClientID) && *p.ClientID == *fedClientID:
		errs = append(errs, fmt.Errorf("expected ClientID with TokenAuthMethod %q to be connect's own client at the provider, received Federation's client id %q (Cognito's federation authenticates that client with its secret)", contract.TokenAuthPrivateKeyJWT, *p.ClientID))
	}
	if p.Secret != nil {
		errs = append(errs, clientkey.ErrSecret)
	}
	if p.SecretField != nil {
		errs = append(errs, fmt.Errorf("expected no SecretField with TokenAuthMethod %q (there is no secret), received %s", contract.TokenAuthPrivateKeyJWT, propcheck.Show(p.SecretField)))
	}
	errs = append(errs, p.clientAssertion().Check()...)
	return errors.Join(errs...)
}

// clientAssertion is the ClientAssertion* props.
func (p *ConnectProps) clientAssertion() clientkey.Settings {
	return clientkey.Settings{
		Key: p.ClientAssertionKey, RotationKey: p.ClientAssertionRotationKey,
		Algorithm: p.ClientAssertionAlgorithm, Audience: p.ClientAssertionAudience, JwksURI: p.ClientAssertionJwksUri,
	}
}

// newClientKey creates the private_key_jwt key set (constructs/internal/clientkey,
// shared with constructs/stepup): the key, the public-JWK custom resource,
// the outputs ClientAssertionJwks and ClientAssertionKid (and
// ClientAssertionJwksUri).
func (p *ConnectProps) newClientKey(scope constructs.Construct, retention awslogs.RetentionDays) *clientkey.ClientKey {
	var code awslambda.Code
	if p.Code != nil {
		code = p.Code.ClientJwks
	}
	return clientkey.New(scope, p.clientAssertion().Props("provider's connect client", code, retention))
}

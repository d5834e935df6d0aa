package stepup

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/cognitobridge/cognitobridge/constructs/internal/clientkey"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// keyMode reports whether the token endpoint authentication is
// private_key_jwt (a KMS key, no secret).
func (p *StepUpProps) keyMode() bool {
	return clientkey.Selected(p.TokenAuthMethod)
}

// validateClientAssertion checks the private_key_jwt props.
func (p *StepUpProps) validateClientAssertion() []error {
	if !p.keyMode() {
		return p.clientAssertion().Unexpected(p.TokenAuthMethod)
	}
	var errs []error
	if _, err := p.Provider.preset().privateKeyJWT(); err != nil {
		errs = append(errs, err)
	}
	if p.Secret != nil {
		errs = append(errs, clientkey.ErrSecret)
	}
	if p.SecretCacheTTL != nil {
		errs = append(errs, fmt.Errorf("expected no SecretCacheTTL with TokenAuthMethod %q (there is no secret), received one", contract.TokenAuthPrivateKeyJWT))
	}
	return append(errs, p.clientAssertion().Check()...)
}

// clientAssertion is the ClientAssertion* props.
func (p *StepUpProps) clientAssertion() clientkey.Settings {
	return clientkey.Settings{
		Key: p.ClientAssertionKey, RotationKey: p.ClientAssertionRotationKey,
		Algorithm: p.ClientAssertionAlgorithm, Audience: p.ClientAssertionAudience, JwksURI: p.ClientAssertionJwksUri,
	}
}

// newClientKey creates the private_key_jwt key set (constructs/internal/clientkey).
func (p *StepUpProps) newClientKey(scope constructs.Construct) *clientkey.ClientKey {
	label, _ := p.Provider.preset().privateKeyJWT() // validate refused a preset without one
	return clientkey.New(scope, p.clientAssertion().Props(label, p.clientJwksCode(), p.LogRetention))
}

func (p *StepUpProps) clientJwksCode() awslambda.Code {
	if p.Code == nil {
		return nil
	}
	return p.Code.ClientJwks
}

package stepup

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/cognitobridge/cognitobridge/constructs/internal/clientkey"
	"github.com/cognitobridge/cognitobridge/constructs/internal/propcheck"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// keyMode reports whether the token endpoint authentication is
// private_key_jwt (a KMS key, no secret).
func (p *StepUpProps) keyMode() bool {
	return p.TokenAuthMethod != nil && !propcheck.IsToken(p.TokenAuthMethod) && *p.TokenAuthMethod == contract.TokenAuthPrivateKeyJWT
}

// validateClientAssertion checks the private_key_jwt props.
func (p *StepUpProps) validateClientAssertion() []error {
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
		return errs
	}
	_, name := p.Provider.kind()
	switch {
	case p.Provider.OIDC != nil:
		if p.Provider.OIDC.ClientID == nil {
			errs = append(errs, fmt.Errorf("expected Provider.OIDC.ClientID with TokenAuthMethod %q (there is no secret to hold it), received nil", contract.TokenAuthPrivateKeyJWT))
		}
	case p.Provider.Biopass != nil:
	default:
		errs = append(errs, fmt.Errorf("expected Provider.OIDC or Provider.Biopass with TokenAuthMethod %q (1Kosmos documents no private_key_jwt for BlockID, whose tenant lives in the secret), received Provider.%s", contract.TokenAuthPrivateKeyJWT, name))
	}
	if p.Secret != nil {
		errs = append(errs, fmt.Errorf("expected no Secret with TokenAuthMethod %q (a KMS key authenticates; nothing reads a secret), received a Secret", contract.TokenAuthPrivateKeyJWT))
	}
	if p.SecretCacheTTL != nil {
		errs = append(errs, fmt.Errorf("expected no SecretCacheTTL with TokenAuthMethod %q (there is no secret), received one", contract.TokenAuthPrivateKeyJWT))
	}
	errs = append(errs,
		propcheck.OneOf("ClientAssertionAlgorithm", p.ClientAssertionAlgorithm, contract.ClientAssertionRS256, contract.ClientAssertionPS256, contract.ClientAssertionES256),
		propcheck.OneOf("ClientAssertionAudience", p.ClientAssertionAudience, contract.AudienceTokenEndpoint, contract.AudienceIssuer),
	)
	return errs
}

// newClientKey creates the private_key_jwt key set (constructs/internal/clientkey).
func (p *StepUpProps) newClientKey(scope constructs.Construct) *clientkey.ClientKey {
	alg, aud := contract.ClientAssertionRS256, contract.AudienceTokenEndpoint
	if p.ClientAssertionAlgorithm != nil {
		alg = *p.ClientAssertionAlgorithm
	}
	if p.ClientAssertionAudience != nil {
		aud = *p.ClientAssertionAudience
	}
	_, name := p.Provider.kind()
	label := "generic OIDC provider"
	if name == "Biopass" {
		label = "Biopass application"
	}
	return clientkey.New(scope, clientkey.Props{
		Key:          p.ClientAssertionKey,
		RotationKey:  p.ClientAssertionRotationKey,
		Algorithm:    alg,
		Audience:     aud,
		JwksURI:      p.ClientAssertionJwksUri != nil && *p.ClientAssertionJwksUri,
		Label:        label,
		LogRetention: p.LogRetention,
		Code:         p.clientJwksCode(),
	})
}

func (p *StepUpProps) clientJwksCode() awslambda.Code {
	if p.Code == nil {
		return nil
	}
	return p.Code.ClientJwks
}

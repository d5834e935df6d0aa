package stepup

import (
	"errors"
	"fmt"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"

	"github.com/cognitobridge/cognitobridge/constructs/internal/propcheck"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// validate checks the props once, before anything is created, and reports
// every problem at once. Each concern checks its own props, as it renders
// them. Plain values are checked without jsii; Duration fields need it.
func (p *StepUpProps) validate() error {
	if p == nil {
		return fmt.Errorf("expected props with a Provider, received nil props")
	}
	pre, err := p.Provider.only()
	if err != nil {
		return err
	}
	return errors.Join(slices.Concat(
		pre.validate(p),
		p.validatePool(),
		p.validateClient(),
		p.validateGuard(),
		p.validateSignIn(),
		p.validateCredentials(),
		p.validateFunctions(),
	)...)
}

// validatePool: the props of a created pool need the construct to create it.
func (p *StepUpProps) validatePool() []error {
	if name := p.poolOptions().FirstSet(); p.UserPool != nil && name != "" {
		return []error{fmt.Errorf("expected %s only when the construct creates the user pool, received it with an existing UserPool", name)}
	}
	return nil
}

// validateClient checks the props of the created app client.
func (p *StepUpProps) validateClient() []error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	noClient := !p.createClient()
	if noClient && p.ClientName != nil {
		add("expected ClientName only when CreateClient is true, received ClientName=%s with CreateClient=false", propcheck.Show(p.ClientName))
	}
	if noClient && p.AuthSessionValidity != nil {
		add("expected AuthSessionValidity only when CreateClient is true, received it with CreateClient=false")
	}
	if noClient && p.RefreshTokenRotationGracePeriod != nil {
		add("expected RefreshTokenRotationGracePeriod only when CreateClient is true (turn rotation on in your own client's props), received it with CreateClient=false")
	}
	if noClient && p.AllowUserSrpAuth != nil {
		add("expected AllowUserSrpAuth only when CreateClient is true, received AllowUserSrpAuth=%t with CreateClient=false", *p.AllowUserSrpAuth)
	}
	if noClient && p.ClientWriteAttributes != nil {
		add("expected ClientWriteAttributes only when CreateClient is true, received them with CreateClient=false")
	}
	if !p.guardOn() && p.AllowUserSrpAuth != nil && *p.AllowUserSrpAuth {
		add("expected AllowUserSrpAuth only when ServerSideGuard is true (plain USER_SRP_AUTH never runs the step-up; only the guard refuses its tokens), received AllowUserSrpAuth=true with ServerSideGuard=false")
	}
	errs = append(errs,
		propcheck.DurationMillis("AuthSessionValidity", p.AuthSessionValidity, 3*60*1000, 15*60*1000),
		propcheck.DurationMillis("RefreshTokenRotationGracePeriod", p.RefreshTokenRotationGracePeriod, 0, 60*1000),
	)
	// Only for the created client: it asks jsii for the attribute names.
	if p.ClientWriteAttributes != nil && !noClient {
		var attrs []string
		for _, a := range *p.ClientWriteAttributes.Attributes() {
			attrs = append(attrs, *a)
		}
		errs = append(errs, CheckWriteAttributes("ClientWriteAttributes", attrs, p.BindAttribute))
	}
	return errs
}

// validateGuard checks the guard's props: they need the guard on.
func (p *StepUpProps) validateGuard() []error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	guardOff := !p.guardOn()
	if guardOff && p.StepUpWindow != nil {
		add("expected StepUpWindow only when ServerSideGuard is true, received it with ServerSideGuard=false")
	}
	if guardOff && p.StepUpReasons != nil {
		add("expected StepUpReasons only when ServerSideGuard is true, received it with ServerSideGuard=false")
	}
	if guardOff && p.ProtectedClients != nil {
		add("expected ProtectedClients only when ServerSideGuard is true, received them with ServerSideGuard=false")
	}
	if !guardOff && !p.createClient() && (p.ProtectedClients == nil || len(*p.ProtectedClients) == 0) {
		add("expected at least one ProtectedClients entry when CreateClient is false (the guard protects only the clients it is told about), received none")
	}
	if p.ProtectedClients != nil {
		for i, c := range *p.ProtectedClients {
			if c == nil {
				add("expected ProtectedClients[%d] to be a client, received nil", i)
			}
		}
	}
	switch p.Policy {
	case "", StepUpPolicy_ALWAYS, StepUpPolicy_ON_DEMAND:
	default:
		add("expected Policy StepUpPolicy_ALWAYS or StepUpPolicy_ON_DEMAND, received %q", string(p.Policy))
	}
	if p.Policy == StepUpPolicy_ON_DEMAND && guardOff {
		add("expected Policy ON_DEMAND only with ServerSideGuard true (the guard tells ordinary from step-up sign-ins), received ServerSideGuard=false")
	}
	if guardOff && p.GuardLambdaVersion != "" {
		add("expected GuardLambdaVersion only when ServerSideGuard is true, received %s with ServerSideGuard=false", p.GuardLambdaVersion)
	}
	switch p.GuardLambdaVersion {
	case "", awscognito.LambdaVersion_V1_0, awscognito.LambdaVersion_V2_0, awscognito.LambdaVersion_V3_0:
	default:
		add("expected GuardLambdaVersion to be one of V1_0, V2_0, V3_0, received %q", string(p.GuardLambdaVersion))
	}
	if p.UserPool == nil && p.FeaturePlan == awscognito.FeaturePlan_LITE && !guardOff && p.guardLambdaVersion() != awscognito.LambdaVersion_V1_0 {
		add("expected GuardLambdaVersion V1_0 with FeaturePlan LITE (V2_0 and V3_0 need Essentials or Plus), received %s", p.guardLambdaVersion())
	}
	return append(errs,
		CheckStepUpReasons("StepUpReasons", p.StepUpReasons),
		propcheck.DurationMillis("StepUpWindow", p.StepUpWindow, 1000, contract.MaxStepUpWindowSeconds*1000),
		propcheck.WholeSeconds("StepUpWindow", p.StepUpWindow),
	)
}

// validateSignIn checks what the triggers decide a sign-in with: the
// enrollment, the fresh authentication, the binding, the attempts and the
// per-user starts.
func (p *StepUpProps) validateSignIn() []error {
	var errs []error
	switch p.Enrollment {
	case "", StepUpEnrollment_FIRST_USE, StepUpEnrollment_ADMIN_ONLY:
	default:
		errs = append(errs, fmt.Errorf("expected Enrollment to be one of %q, received %q", []string{contract.EnrollmentFirstUse, contract.EnrollmentAdminOnly}, string(p.Enrollment)))
	}
	if !p.freshAuth() && p.AuthTimeSkew != nil {
		errs = append(errs, fmt.Errorf("expected AuthTimeSkew only when FreshAuthentication is true, received it with FreshAuthentication=false"))
	}
	return append(errs,
		propcheck.NonEmpty("BindClaim", p.BindClaim, false),
		propcheck.NonEmpty("BindAttribute", p.BindAttribute, false),
		propcheck.OneOf("BindMode", p.BindMode, contract.BindModeExact, contract.BindModeEmail),
		propcheck.List("RequiredAcr", p.RequiredAcr, false),
		propcheck.Range("MaxAttempts", p.MaxAttempts, 1, contract.MaxMaxAttempts, true),
		propcheck.Range("MaxStartsPerUser", p.MaxStartsPerUser, contract.MinUserCapStarts, contract.MaxUserCapStarts, true),
		propcheck.DurationMillis("StartsWindow", p.StartsWindow, contract.MinUserCapWindowSeconds*1000, contract.MaxUserCapWindowSeconds*1000),
		propcheck.WholeSeconds("StartsWindow", p.StartsWindow),
		propcheck.DurationMillis("AuthTimeSkew", p.AuthTimeSkew, 0, MaxAuthTimeSkewSeconds*1000),
		propcheck.WholeSeconds("AuthTimeSkew", p.AuthTimeSkew),
	)
}

// validateCredentials checks how the handlers authenticate at the
// provider: the secret's parameters and cache, or the private_key_jwt key.
func (p *StepUpProps) validateCredentials() []error {
	var errs []error
	if p.ParameterPrefix != nil && !propcheck.IsToken(p.ParameterPrefix) && !propcheck.Alnum.MatchString(*p.ParameterPrefix) {
		errs = append(errs, fmt.Errorf("expected ParameterPrefix to hold only letters and digits, received %s", propcheck.Show(p.ParameterPrefix)))
	}
	errs = append(errs,
		propcheck.OneOf("TokenAuthMethod", p.TokenAuthMethod, contract.TokenAuthBasic, contract.TokenAuthPost, contract.TokenAuthPrivateKeyJWT),
		propcheck.DurationMillis("SecretCacheTTL", p.SecretCacheTTL, 0, 3600*1000),
	)
	return append(errs, p.validateClientAssertion()...)
}

// validateFunctions checks the props every trigger function shares.
func (p *StepUpProps) validateFunctions() []error {
	return []error{
		propcheck.Range("MemorySize", p.MemorySize, 128, 10240, true),
		propcheck.DurationMillis("Timeout", p.Timeout, 1000, maxTimeoutSeconds*1000),
	}
}

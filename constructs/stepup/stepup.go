// Package stepup adds an external OpenID Connect step-up (1Kosmos BlockID,
// Biopass or any OpenID Provider) to an Amazon Cognito user pool through the
// custom authentication triggers (Define, Create and Verify auth challenge).
//
// After the SRP password step, Cognito issues a CUSTOM_CHALLENGE whose public
// parameters carry the provider's authorize URL; the client answers with the
// authorization code, and Verify exchanges it and checks the ID token against
// the Cognito user.
package stepup

import (
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/cognitobridge/cognitobridge/constructs/internal/gobuild"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// Import paths of the handler main packages, built when no prebuilt code is
// given. They are built from the current working directory, so a module
// using this construct builds them through its own go.mod.
const (
	DefineHandlerPackage = "github.com/cognitobridge/cognitobridge/lambdas/cmd/stepup-define"
	CreateHandlerPackage = "github.com/cognitobridge/cognitobridge/lambdas/cmd/stepup-create"
	VerifyHandlerPackage = "github.com/cognitobridge/cognitobridge/lambdas/cmd/stepup-verify"
)

// StepUp is a Cognito user pool whose sign-in ends with an OIDC step-up.
type StepUp interface {
	constructs.Construct
	// UserPool is the pool the triggers are attached to (given or created).
	UserPool() awscognito.IUserPool
	// Client is the created app client, or nil when CreateClient is false.
	Client() awscognito.IUserPoolClient
	// DefineFunction is the Define auth challenge trigger.
	DefineFunction() awslambda.IFunction
	// CreateFunction is the Create auth challenge trigger.
	CreateFunction() awslambda.IFunction
	// VerifyFunction is the Verify auth challenge response trigger.
	VerifyFunction() awslambda.IFunction
	// Secret holds the provider credentials (given or created).
	Secret() awssecretsmanager.ISecret
}

type stepUp struct {
	constructs.Construct
	pool                   awscognito.UserPool
	client                 awscognito.UserPoolClient
	define, create, verify awslambda.Function
	secret                 awssecretsmanager.ISecret
}

func (s *stepUp) UserPool() awscognito.IUserPool { return s.pool }
func (s *stepUp) Client() awscognito.IUserPoolClient {
	if s.client == nil {
		return nil // a typed nil inside the interface would not compare to nil
	}
	return s.client
}
func (s *stepUp) DefineFunction() awslambda.IFunction { return s.define }
func (s *stepUp) CreateFunction() awslambda.IFunction { return s.create }
func (s *stepUp) VerifyFunction() awslambda.IFunction { return s.verify }
func (s *stepUp) Secret() awssecretsmanager.ISecret   { return s.secret }

func orDuration(d awscdk.Duration, defMillis float64) float64 {
	if d == nil {
		return defMillis
	}
	return *d.ToMilliseconds(nil)
}

// stepUpAuthFlows is the one place that decides the sign-in flows of the
// created app client. Only CUSTOM_AUTH: USER_PASSWORD_AUTH,
// ADMIN_USER_PASSWORD_AUTH, USER_AUTH and plain USER_SRP_AUTH would all yield
// tokens without the step-up. The SRP password step runs inside CUSTOM_AUTH
// (SRP_A in the auth parameters). Pending research: if CUSTOM_AUTH with SRP_A
// turns out to need ALLOW_USER_SRP_AUTH, turn UserSrp on here and close the
// plain-SRP bypass server side. Refresh tokens are always allowed by CDK.
func stepUpAuthFlows() *awscognito.AuthFlow {
	return &awscognito.AuthFlow{
		Custom:            jsii.Bool(true),
		UserSrp:           jsii.Bool(false),
		UserPassword:      jsii.Bool(false),
		AdminUserPassword: jsii.Bool(false),
		User:              jsii.Bool(false),
	}
}

var notAlnum = regexp.MustCompile(`[^A-Za-z0-9]`)

// NewStepUp adds the step-up to props.UserPool (or a new pool). It panics
// with a descriptive message when props are invalid.
func NewStepUp(scope constructs.Construct, id *string, props *StepUpProps) StepUp {
	if err := props.validate(); err != nil {
		panic("stepup: " + err.Error())
	}
	this := constructs.NewConstruct(scope, id)
	s := &stepUp{Construct: this}

	// User pool.
	s.pool = props.UserPool
	if s.pool == nil {
		s.pool = newUserPool(this, props)
	}

	// App client.
	if props.CreateClient == nil || *props.CreateClient {
		s.client = s.pool.AddClient(jsii.String("Client"), &awscognito.UserPoolClientOptions{
			UserPoolClientName:         props.ClientName,
			GenerateSecret:             jsii.Bool(false),
			PreventUserExistenceErrors: jsii.Bool(true),
			AuthFlows:                  stepUpAuthFlows(),
			// No OAuth: managed login / hosted UI sign-in never runs the
			// custom challenge, so it must not be reachable with this client.
			DisableOAuth:          jsii.Bool(true),
			EnableTokenRevocation: jsii.Bool(true),
		})
	}

	// Provider secret.
	s.secret = props.Secret
	if s.secret == nil {
		s.secret = newProviderSecret(this, props)
	}

	// Functions.
	timeoutMillis := orDuration(props.Timeout, DefaultTimeoutSeconds*1000)
	ttlSeconds := orDuration(props.SecretCacheTTL, DefaultSecretTTLSeconds*1000) / 1000
	defineEnv, providerEnv := props.handlerEnv(timeoutMillis, ttlSeconds)
	providerEnv[contract.EnvSecretARN] = *s.secret.SecretArn()

	code := props.Code
	if code == nil {
		code = &StepUpCode{}
	}
	s.define = newTrigger(this, "Define", props, code.Define, DefineHandlerPackage, defineEnv, "Define auth challenge: orders SRP, then the OIDC step-up; caps attempts")
	s.create = newTrigger(this, "Create", props, code.Create, CreateHandlerPackage, providerEnv, "Create auth challenge: builds the provider authorize URL with state, nonce and PKCE")
	s.verify = newTrigger(this, "Verify", props, code.Verify, VerifyHandlerPackage, providerEnv, "Verify auth challenge response: exchanges the code and checks the ID token against the user")

	s.pool.AddTrigger(awscognito.UserPoolOperation_DEFINE_AUTH_CHALLENGE(), s.define, "")
	s.pool.AddTrigger(awscognito.UserPoolOperation_CREATE_AUTH_CHALLENGE(), s.create, "")
	s.pool.AddTrigger(awscognito.UserPoolOperation_VERIFY_AUTH_CHALLENGE_RESPONSE(), s.verify, "")

	// Only Create and Verify may read the secret.
	readers := []awslambda.Function{s.create, s.verify}
	roleArns := make([]*string, 0, len(readers))
	principals := make([]awsiam.IPrincipal, 0, len(readers))
	for _, fn := range readers {
		s.secret.GrantRead(fn, nil)
		roleArns = append(roleArns, fn.Role().RoleArn())
		principals = append(principals, awsiam.NewArnPrincipal(fn.Role().RoleArn()))
	}
	// A no-op for a secret imported from another stack (CDK cannot change
	// its policy); the identity grants above still apply.
	s.secret.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowStepUpFunctions"),
		Effect:     awsiam.Effect_ALLOW,
		Principals: &principals,
		Actions:    jsii.Strings("secretsmanager:GetSecretValue"),
		Resources:  jsii.Strings("*"),
	}))
	s.secret.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("DenyEveryoneElse"),
		Effect:     awsiam.Effect_DENY,
		Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
		Actions:    jsii.Strings("secretsmanager:GetSecretValue"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]interface{}{
			"StringNotEquals": map[string]interface{}{"aws:PrincipalArn": roleArns},
		},
	}))
	return s
}

func newUserPool(scope constructs.Construct, props *StepUpProps) awscognito.UserPool {
	removal := props.RemovalPolicy
	if removal == "" {
		removal = awscdk.RemovalPolicy_RETAIN
	}
	deletionProtection := props.DeletionProtection
	if deletionProtection == nil {
		deletionProtection = jsii.Bool(removal != awscdk.RemovalPolicy_DESTROY)
	}
	featurePlan := props.FeaturePlan
	if featurePlan == "" {
		featurePlan = awscognito.FeaturePlan_ESSENTIALS
	}
	pool := awscognito.NewUserPool(scope, jsii.String("UserPool"), &awscognito.UserPoolProps{
		SelfSignUpEnabled:   jsii.Bool(props.SelfSignUpEnabled != nil && *props.SelfSignUpEnabled),
		SignInAliases:       &awscognito.SignInAliases{Username: jsii.Bool(true), Email: jsii.Bool(true)},
		SignInCaseSensitive: jsii.Bool(false),
		AutoVerify:          &awscognito.AutoVerifiedAttrs{Email: jsii.Bool(true)},
		StandardAttributes: &awscognito.StandardAttributes{
			Email: &awscognito.StandardAttribute{Required: jsii.Bool(true), Mutable: jsii.Bool(true)},
		},
		PasswordPolicy: &awscognito.PasswordPolicy{
			MinLength:            jsii.Number(12),
			RequireLowercase:     jsii.Bool(true),
			RequireUppercase:     jsii.Bool(true),
			RequireDigits:        jsii.Bool(true),
			RequireSymbols:       jsii.Bool(true),
			TempPasswordValidity: awscdk.Duration_Days(jsii.Number(3)),
		},
		AccountRecovery: awscognito.AccountRecovery_EMAIL_ONLY,
		// Cognito's own MFA stays off: the OIDC step-up is the second factor.
		Mfa:                awscognito.Mfa_OFF,
		FeaturePlan:        featurePlan,
		DeletionProtection: deletionProtection,
		RemovalPolicy:      removal,
	})
	cdknag.NagSuppressions_AddResourceSuppressions(pool, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-COG2"),
		Reason: jsii.String("The OIDC step-up is this pool's second factor: the app client allows only CUSTOM_AUTH, " +
			"and Define issues tokens only after the password (SRP) and a verified provider ID token bound to the user. " +
			"Cognito's SMS/TOTP MFA stays off so it cannot replace or duplicate the step-up."),
	}}, jsii.Bool(false))
	return pool
}

// newProviderSecret creates the provider secret from NoEcho parameters: the
// template holds only Refs to them, never a value.
func newProviderSecret(scope constructs.Construct, props *StepUpProps) awssecretsmanager.ISecret {
	prefix := notAlnum.ReplaceAllString(*scope.Node().Id(), "")
	if props.ParameterPrefix != nil {
		prefix = *props.ParameterPrefix
	}
	param := func(name, description string) awscdk.SecretValue {
		p := awscdk.NewCfnParameter(scope, jsii.String(name), &awscdk.CfnParameterProps{
			Type:        jsii.String("String"),
			NoEcho:      jsii.Bool(true),
			MinLength:   jsii.Number(1),
			Description: jsii.String(description),
		})
		p.OverrideLogicalId(jsii.String(prefix + name))
		return awscdk.SecretValue_CfnParameter(p)
	}
	_, name := props.Provider.kind()
	values := map[string]awscdk.SecretValue{
		contract.SecretKeyClientSecret: param("ClientSecret", name+" OIDC client secret (stored in Secrets Manager)"),
	}
	var clientID *string
	switch {
	case props.Provider.BlockID != nil:
		clientID = props.Provider.BlockID.ClientID
		if b := props.Provider.BlockID; b.TenantDNS != nil {
			// Not credentials (every authorize URL shows them), but the
			// handlers read them from the secret.
			values[contract.SecretKeyTenantDNS] = awscdk.SecretValue_UnsafePlainText(b.TenantDNS)
			values[contract.SecretKeyCommunity] = awscdk.SecretValue_UnsafePlainText(b.Community)
		} else {
			values[contract.SecretKeyTenantDNS] = param("TenantDns", "BlockID tenant DNS name, e.g. acme.1kosmos.net (stored in Secrets Manager)")
			values[contract.SecretKeyCommunity] = param("Community", "BlockID community name (stored in Secrets Manager)")
		}
	case props.Provider.Biopass != nil:
		clientID = props.Provider.Biopass.ClientID
	default:
		clientID = props.Provider.OIDC.ClientID
	}
	if clientID == nil {
		values[contract.SecretKeyClientID] = param("ClientId", name+" OIDC client id (stored in Secrets Manager)")
	}
	secret := awssecretsmanager.NewSecret(scope, jsii.String("ProviderSecret"), &awssecretsmanager.SecretProps{
		Description:       jsii.String("cognitobridge " + name + " step-up provider credentials"),
		SecretObjectValue: &values,
	})
	cdknag.NagSuppressions_AddResourceSuppressions(secret, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-SMG4"),
		Reason: jsii.String("The value is an OIDC client secret issued by the identity provider: it can only be rotated at the provider " +
			"(then written here with PutSecretValue or a stack parameter update). The handlers pick up a new value without a " +
			"redeploy (cache TTL, and a refresh on invalid_client), so no Secrets Manager rotation Lambda applies."),
	}}, jsii.Bool(false))
	return secret
}

// newTrigger creates one trigger function with its own role and log group.
// The role gets an inline policy scoped to that log group instead of the
// AWSLambdaBasicExecutionRole managed policy.
func newTrigger(scope constructs.Construct, name string, props *StepUpProps, code awslambda.Code, pkg string, env map[string]string, description string) awslambda.Function {
	if code == nil {
		code = gobuild.Code(pkg)
	}
	retention := props.LogRetention
	if retention == "" {
		retention = awslogs.RetentionDays_ONE_MONTH
	}
	logs := awslogs.NewLogGroup(scope, jsii.String(name+"Logs"), &awslogs.LogGroupProps{
		Retention: retention,
	})
	role := awsiam.NewRole(scope, jsii.String(name+"Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("cognitobridge step-up " + name + " trigger"),
	})
	logs.GrantWrite(role)

	memory := props.MemorySize
	if memory == nil {
		memory = jsii.Number(DefaultMemorySize)
	}
	timeout := props.Timeout
	if timeout == nil {
		timeout = awscdk.Duration_Seconds(jsii.Number(DefaultTimeoutSeconds))
	}
	vars := make(map[string]*string, len(env))
	for k, v := range env {
		vars[k] = jsii.String(v)
	}
	return awslambda.NewFunction(scope, jsii.String(name+"Function"), &awslambda.FunctionProps{
		Description:  jsii.String("cognitobridge step-up " + description),
		Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture: awslambda.Architecture_ARM_64(),
		Handler:      jsii.String("bootstrap"),
		Code:         code,
		MemorySize:   memory,
		Timeout:      timeout,
		Environment:  &vars,
		Role:         role,
		LogGroup:     logs,
	})
}

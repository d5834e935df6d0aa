// Package stepup adds an external OpenID Connect step-up (1Kosmos BlockID,
// Biopass or any OpenID Provider) to an Amazon Cognito user pool through the
// custom authentication triggers (Define, Create and Verify auth challenge).
//
// After the SRP password step, Cognito issues a CUSTOM_CHALLENGE whose public
// parameters carry the provider's authorize URL; the client answers with the
// authorization code, and Verify exchanges it and checks the ID token against
// the Cognito user: against the provider identity enrolled for the user,
// kept in the construct's DynamoDB step-up table (enrolled on first use, or
// by an administrator). With the ServerSideGuard (the default) Verify also
// records the passed step-up of the sign-in in that table, and a Pre Token
// Generation trigger lets Cognito issue tokens only when it consumes that
// record, so no sign-in path that skips the custom challenge yields tokens. On event
// version V2_0 (the default; Essentials or Plus feature plan) the guard also
// stamps the step-up time and reason into the access and ID tokens
// (cognitobridge:stepup_at, cognitobridge:stepup_reason), which
// constructs/transaction checks on high-value API routes.
//
// Provider.BlockIDSession replaces the OIDC code with a BlockID
// verification session (a face match with liveness) that Verify fetches
// server side; see BlockIDSessionProvider.
package stepup

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/cognitobridge/cognitobridge/constructs/internal/allow"
	"github.com/cognitobridge/cognitobridge/constructs/internal/clientkey"
	"github.com/cognitobridge/cognitobridge/constructs/internal/gofn"
	"github.com/cognitobridge/cognitobridge/constructs/internal/logkey"
	"github.com/cognitobridge/cognitobridge/constructs/internal/nag"
	"github.com/cognitobridge/cognitobridge/constructs/internal/recordtable"
	"github.com/cognitobridge/cognitobridge/constructs/internal/secretparam"
	"github.com/cognitobridge/cognitobridge/constructs/pooltriggers"
	"github.com/cognitobridge/cognitobridge/constructs/pretokengen"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// Import paths of the handler main packages, built when no prebuilt code is
// given. They are built from the current working directory, so a module
// using this construct builds them through its own go.mod.
const (
	DefineHandlerPackage = "github.com/cognitobridge/cognitobridge/lambdas/cmd/stepup-define"
	CreateHandlerPackage = "github.com/cognitobridge/cognitobridge/lambdas/cmd/stepup-create"
	VerifyHandlerPackage = "github.com/cognitobridge/cognitobridge/lambdas/cmd/stepup-verify"
	GuardHandlerPackage  = pretokengen.HandlerPackage
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
	// GuardFunction is the pool's shared Pre Token Generation function, of
	// which the guard is one behaviour, or nil when ServerSideGuard is false.
	GuardFunction() awslambda.IFunction
	// ProtectedClientsParameter is the SSM parameter listing the app
	// clients the guard protects, or nil when ServerSideGuard is false.
	ProtectedClientsParameter() awsssm.IStringListParameter
	// StepUpTable is the step-up table: the durable enrollments (the
	// provider identity enrolled for each user) and the one-time step-up
	// records (consumed by the guard, else removed by TTL). It always exists. Its removal policy is
	// RETAIN and it has deletion protection and point-in-time recovery:
	// deleting the stack (or the construct) keeps the table and so the
	// enrollments; a new stack creates a new, empty table, in which every
	// user enrolls again (first use) or is refused (admin only).
	StepUpTable() awsdynamodb.ITable
	// Secret holds the provider credentials (given or created), or nil
	// with TokenAuthMethod private_key_jwt.
	Secret() awssecretsmanager.ISecret
	// ClientAssertionKey is the KMS key that signs the client assertions
	// (given or created), or nil unless TokenAuthMethod is private_key_jwt.
	ClientAssertionKey() awskms.IKey
	// GuardLambdaVersion is the event version of the guard's Pre Token
	// Generation trigger (V2_0 or V3_0: the tokens carry the step-up
	// claims), or "" when ServerSideGuard is false.
	GuardLambdaVersion() awscognito.LambdaVersion
	// StepUpReasons is the guard's allow-list of step-up reasons (see
	// StepUpProps.StepUpReasons), or nil when ServerSideGuard is false.
	StepUpReasons() []string
	// AllowStepUpReasons adds reasons to the guard's allow-list (a
	// transaction construct adds those its routes require). It panics when
	// ServerSideGuard is false or a reason is invalid.
	AllowStepUpReasons(reasons *[]*string)
}

type stepUp struct {
	constructs.Construct
	pool                          awscognito.IUserPool
	client                        awscognito.UserPoolClient
	define, create, verify, guard awslambda.Function
	table                         awsdynamodb.Table
	secret                        awssecretsmanager.ISecret
	clientKey                     *clientkey.ClientKey
	guardVersion                  awscognito.LambdaVersion
	protectedParam                awsssm.StringListParameter
	reasons                       []string
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
func (s *stepUp) ClientAssertionKey() awskms.IKey {
	if s.clientKey == nil {
		return nil
	}
	return s.clientKey.Key
}

// GuardFunction returns an untyped nil when the guard is off (a typed nil
// inside the interface would not compare to nil).
func (s *stepUp) GuardFunction() awslambda.IFunction {
	if s.guard == nil {
		return nil
	}
	return s.guard
}
func (s *stepUp) StepUpTable() awsdynamodb.ITable              { return s.table }
func (s *stepUp) GuardLambdaVersion() awscognito.LambdaVersion { return s.guardVersion }

// ProtectedClientsParameter returns an untyped nil when the guard is off.
func (s *stepUp) ProtectedClientsParameter() awsssm.IStringListParameter {
	if s.protectedParam == nil {
		return nil
	}
	return s.protectedParam
}
func (s *stepUp) StepUpReasons() []string {
	if s.guard == nil {
		return nil
	}
	return append([]string(nil), s.reasons...)
}

func (s *stepUp) AllowStepUpReasons(reasons *[]*string) {
	if s.guard == nil {
		panic("stepup: expected ServerSideGuard to be true to allow step-up reasons, received ServerSideGuard=false")
	}
	if err := CheckStepUpReasons("reasons", reasons); err != nil {
		panic("stepup: " + err.Error())
	}
	if reasons == nil {
		return
	}
	for _, r := range *reasons {
		if !slices.Contains(s.reasons, *r) {
			s.reasons = append(s.reasons, *r)
		}
	}
	if len(s.reasons) > MaxStepUpReasons {
		panic(fmt.Sprintf("stepup: expected at most %d step-up reasons, received %d", MaxStepUpReasons, len(s.reasons)))
	}
	s.guard.AddEnvironment(jsii.String(contract.EnvStepUpReasons), jsii.String(reasonsJSON(s.reasons)), nil)
	s.define.AddEnvironment(jsii.String(contract.EnvStepUpReasons), jsii.String(reasonsJSON(s.reasons)), nil)
}

// reasonsJSON is the guard's contract.EnvStepUpReasons value.
func reasonsJSON(reasons []string) string {
	b, _ := json.Marshal(reasons) // []string always marshals
	return string(b)
}

func orDuration(d awscdk.Duration, defMillis float64) float64 {
	if d == nil {
		return defMillis
	}
	return *d.ToMilliseconds(nil)
}

// stepUpAuthFlows is the one place that decides the sign-in flows of the
// created app client: ALLOW_CUSTOM_AUTH and ALLOW_REFRESH_TOKEN_AUTH (always
// added by CDK). The SRP password step runs inside CUSTOM_AUTH (SRP_A in the
// auth parameters), and AWS's own sample aws-samples/cognito-custom-authentication
// (email-mfa-backend/template.yaml) runs SRP_A, PASSWORD_VERIFIER and
// CUSTOM_CHALLENGE from Amplify on a client with exactly those two flows.
// userSrp (AllowUserSrpAuth, only with the guard) adds ALLOW_USER_SRP_AUTH
// for a region that turns out to need it: a plain SRP sign-in then reaches
// the guard without a step-up record and gets no tokens.
// USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH and USER_AUTH never run the
// custom challenge and stay off.
func stepUpAuthFlows(userSrp bool) *awscognito.AuthFlow {
	return &awscognito.AuthFlow{
		Custom:            jsii.Bool(true),
		UserSrp:           jsii.Bool(userSrp),
		UserPassword:      jsii.Bool(false),
		AdminUserPassword: jsii.Bool(false),
		User:              jsii.Bool(false),
	}
}

// NewStepUp adds the step-up to props.UserPool (or a new pool). It panics
// with a descriptive message when props are invalid. Each concern renders
// its own props, in the order the template has always listed them.
func NewStepUp(scope constructs.Construct, id *string, props *StepUpProps) StepUp {
	must(props.validate())
	this := constructs.NewConstruct(scope, id)
	s := &stepUp{Construct: this}
	must(props.checkPool(this, *this.Node().Path()))
	s.pool = props.userPool(this)
	must(props.checkProtectedClients(this, s.pool))
	if props.createClient() {
		s.client = props.newClient(s.pool)
	}

	timeoutMillis := orDuration(props.Timeout, DefaultTimeoutSeconds*1000)
	ttlSeconds := orDuration(props.SecretCacheTTL, DefaultSecretTTLSeconds*1000) / 1000
	defineEnv, providerEnv := props.handlerEnv(timeoutMillis, ttlSeconds)
	s.addCredentials(props, providerEnv)

	// The step-up table: enrollments always, records with the guard. It
	// references nothing, and the functions only reference it (never the
	// pool), so the pool -> function references of the triggers cannot form
	// a cycle.
	s.table = newStepUpTable(this)
	windowSeconds := orDuration(props.StepUpWindow, DefaultStepUpWindowSeconds*1000) / 1000
	recordEnv := stepUpRecordEnv(*s.table.TableName(), windowSeconds)
	s.addTriggers(props, defineEnv, providerEnv, recordEnv)
	if props.guardOn() {
		s.addGuard(props, recordEnv)
	}
	s.grantCredentials()
	return s
}

// must panics with err, the construct's way of refusing its props.
func must(err error) {
	if err != nil {
		panic("stepup: " + err.Error())
	}
}

// userPool is props.UserPool, or a new pool claimed for this StepUp.
func (p *StepUpProps) userPool(scope constructs.Construct) awscognito.IUserPool {
	if p.UserPool != nil {
		return p.UserPool
	}
	pool := newUserPool(scope, p)
	must(claimPool(pool, *scope.Node().Path()))
	return pool
}

// newClient creates the app client that signs in only through the step-up.
func (p *StepUpProps) newClient(pool awscognito.IUserPool) awscognito.UserPoolClient {
	sessionValidity := p.AuthSessionValidity
	if sessionValidity == nil {
		sessionValidity = awscdk.Duration_Minutes(jsii.Number(DefaultAuthSessionValidityMinutes))
	}
	// Always explicit: without WriteAttributes Cognito lets the user's
	// own access token write every standard attribute, email included.
	writeAttributes := p.ClientWriteAttributes
	if writeAttributes == nil {
		writeAttributes = awscognito.NewClientAttributes().WithStandardAttributes(DefaultClientWriteAttributesMask())
	}
	return pool.AddClient(jsii.String("Client"), &awscognito.UserPoolClientOptions{
		UserPoolClientName:         p.ClientName,
		GenerateSecret:             jsii.Bool(false),
		PreventUserExistenceErrors: jsii.Bool(true),
		AuthFlows:                  stepUpAuthFlows(p.allowUserSrp()),
		AuthSessionValidity:        sessionValidity,
		WriteAttributes:            writeAttributes,
		// No OAuth: managed login / hosted UI sign-in never runs the
		// custom challenge, so it must not be reachable with this client.
		DisableOAuth:                    jsii.Bool(true),
		EnableTokenRevocation:           jsii.Bool(true),
		RefreshTokenRotationGracePeriod: p.RefreshTokenRotationGracePeriod,
	})
}

// addCredentials creates how Create and Verify authenticate at the
// provider: a secret, or with private_key_jwt a KMS key and no secret at
// all; providerEnv gets where to find them.
func (s *stepUp) addCredentials(props *StepUpProps, providerEnv map[string]string) {
	if props.keyMode() {
		s.clientKey = props.newClientKey(s.Construct)
		maps.Copy(providerEnv, s.clientKey.Env())
		delete(providerEnv, contract.EnvSecretTTLSeconds)
		return
	}
	s.secret = props.Secret
	if s.secret == nil {
		s.secret = newProviderSecret(s.Construct, props)
	}
	providerEnv[contract.EnvSecretARN] = *s.secret.SecretArn()
}

// addTriggers creates Define, Create and Verify, gives them the table and
// attaches them to the pool.
func (s *stepUp) addTriggers(props *StepUpProps, defineEnv, providerEnv, recordEnv map[string]string) {
	code := props.code()
	skewSeconds := orDuration(props.AuthTimeSkew, DefaultAuthTimeSkewSeconds*1000) / 1000
	verifyEnv := maps.Clone(providerEnv)
	maps.Copy(verifyEnv, recordEnv)
	maps.Copy(verifyEnv, props.verifyOnlyEnv(skewSeconds))

	createEnv := maps.Clone(providerEnv)
	maps.Copy(createEnv, props.createOnlyEnv(*s.table.TableName()))
	createDescription, verifyDescription := props.triggerDescriptions()

	s.define = newTrigger(s.Construct, "Define", props, code.Define, DefineHandlerPackage, defineEnv, "Define auth challenge: orders SRP, then the OIDC step-up; caps attempts")
	s.create = newTrigger(s.Construct, "Create", props, code.Create, CreateHandlerPackage, createEnv, createDescription)
	s.verify = newTrigger(s.Construct, "Verify", props, code.Verify, VerifyHandlerPackage, verifyEnv, verifyDescription)
	// Log references of users are keyed with the deployment's key.
	for _, fn := range []awslambda.Function{s.define, s.create, s.verify} {
		logkey.Attach(fn)
	}
	// Verify reads the user's enrollment (GetItem, ConsistentRead) and, in
	// one TransactWriteItems, checks it (ConditionCheckItem) or enrolls on
	// first use and writes the step-up record (PutItem); on this table only.
	s.verify.AddToRolePolicy(allow.Actions([]*string{s.table.TableArn()}, "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:ConditionCheckItem"))
	// Create counts each user's starts (one conditional UpdateItem per
	// start) and, for a verification session, reads the enrollment the
	// session is started for (GetItem); on this table only.
	s.create.AddToRolePolicy(allow.Actions([]*string{s.table.TableArn()}, props.createTableActions()...))

	// AddTrigger on a pool of this app, the pooltriggers custom resource on
	// an imported one.
	pooltriggers.Attach(s.pool, awscognito.UserPoolOperation_DEFINE_AUTH_CHALLENGE(), s.define, "")
	pooltriggers.Attach(s.pool, awscognito.UserPoolOperation_CREATE_AUTH_CHALLENGE(), s.create, "")
	pooltriggers.Attach(s.pool, awscognito.UserPoolOperation_VERIFY_AUTH_CHALLENGE_RESPONSE(), s.verify, "")
}

// code is Code or, for every function, a build from its package.
func (p *StepUpProps) code() *StepUpCode {
	if p.Code == nil {
		return &StepUpCode{}
	}
	return p.Code
}

// addGuard adds the guard behaviour to the pool's Pre Token Generation
// function, with the reasons and the protected clients it reads.
func (s *stepUp) addGuard(props *StepUpProps, recordEnv map[string]string) {
	s.reasons = props.stepUpReasons()
	s.define.AddEnvironment(jsii.String(contract.EnvStepUpReasons), jsii.String(reasonsJSON(s.reasons)), nil)

	// The clients the guard protects reach it through an SSM parameter
	// it reads at run time, by a literal name: a client id in the
	// function's environment would close the cycle pool -> trigger
	// function -> client -> pool. The parameter depends on the clients;
	// nothing the pool depends on refers to it.
	paramName := protectedClientsParameterName(s.Construct)
	s.protectedParam = newProtectedClientsParameter(s.Construct, paramName, s.client, !props.allowUserSrp(), props.ProtectedClients)
	guardEnv := maps.Clone(recordEnv)
	guardEnv[contract.EnvStepUpReasons] = reasonsJSON(s.reasons)
	guardEnv[contract.EnvStepUpPolicy] = string(props.policy())
	guardEnv[contract.EnvProtectedClientsParameter] = paramName
	// V2_0/V3_0 (PreTokenGenerationConfig) let the guard add the step-up
	// claims to the access token; V1_0 keeps the legacy
	// PreTokenGeneration setting of a Lite pool.
	s.guardVersion = props.guardLambdaVersion()
	shared := pretokengen.Of(s.pool, &pretokengen.PreTokenGenerationProps{
		LambdaVersion: s.guardVersion, Code: props.code().Guard, LogRetention: props.LogRetention,
	})
	shared.AddBehaviour(contract.BehaviourStepUpGuard, guardEnv)
	s.guard = shared.Function()
	logkey.Attach(s.guard)
	// The guard only consumes records, on this table alone, and reads
	// its parameter.
	s.guard.AddToRolePolicy(allow.Actions([]*string{s.table.TableArn()}, "dynamodb:DeleteItem"))
	// Built from the literal name: the parameter's own ARN attribute would
	// make the function depend on it (and so on the clients).
	paramArn := awscdk.Stack_Of(s.Construct).FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("ssm"), Resource: jsii.String("parameter"), ResourceName: jsii.String(strings.TrimPrefix(paramName, "/")),
	})
	s.guard.AddToRolePolicy(allow.Actions([]*string{paramArn}, "ssm:GetParameter"))
}

// stepUpReasons is StepUpReasons, each once, or DefaultStepUpReasons: the
// guard reads a list of distinct reasons (contract.ParseStepUpReasons).
func (p *StepUpProps) stepUpReasons() []string {
	if p.StepUpReasons == nil {
		return append([]string(nil), DefaultStepUpReasons...)
	}
	var reasons []string
	for _, r := range *p.StepUpReasons {
		if !slices.Contains(reasons, *r) {
			reasons = append(reasons, *r)
		}
	}
	return reasons
}

// grantCredentials lets only the functions that need them use the
// credentials: Verify signs with the key; Create and Verify read the secret.
func (s *stepUp) grantCredentials() {
	if s.clientKey != nil {
		// Only Verify calls the token endpoint: it alone may sign.
		s.clientKey.GrantSign(s.verify)
		return
	}
	readers := []awslambda.Function{s.create, s.verify}
	principals := make([]awsiam.IPrincipal, 0, len(readers))
	for _, fn := range readers {
		s.secret.GrantRead(fn, nil)
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
	allow.OnlySecretReaders(s.secret, s.create.Role(), s.verify.Role())
}

// newProtectedClientsParameter creates the SSM StringList of the app
// clients the guard protects: the created client and the given ones. Its
// name is literal (unique per construct path), so the guard's environment
// and policy can name it without referring to the resource.
//
// A client whose only sign-in flow is CUSTOM_AUTH (the created one unless
// AllowUserSrpAuth; a given one when its template flows say so) is also
// listed as contract.ProtectedCustomAuthOnlyPrefix+id: there the guard lets
// a GetTokensFromRefreshToken refresh (TokenGeneration_Authentication
// without a binding value) pass without claims. A client whose flows the
// construct cannot see (imported by id) keeps the strict rule: its refresh
// through that API is refused and the user signs in again.
func newProtectedClientsParameter(scope constructs.Construct, name string, created awscognito.UserPoolClient, createdCustomOnly bool, given *[]awscognito.IUserPoolClient) awsssm.StringListParameter {
	var ids, customOnly []*string
	if created != nil {
		ids = append(ids, created.UserPoolClientId())
		if createdCustomOnly {
			customOnly = append(customOnly, created.UserPoolClientId())
		}
	}
	if given != nil {
		for _, c := range *given {
			ids = append(ids, c.UserPoolClientId())
			if customAuthOnly(c) {
				customOnly = append(customOnly, c.UserPoolClientId())
			}
		}
	}
	for _, id := range customOnly {
		ids = append(ids, awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String(contract.ProtectedCustomAuthOnlyPrefix), id}))
	}
	return awsssm.NewStringListParameter(scope, jsii.String("ProtectedClients"), &awsssm.StringListParameterProps{
		ParameterName:   jsii.String(name),
		StringListValue: &ids,
		Description:     jsii.String("cognitobridge: the app clients whose sign-ins the step-up guard enforces"),
	})
}

// customAuthOnly reports whether c is a client of this app whose
// ExplicitAuthFlows are known at synth and allow no sign-in flow but
// CUSTOM_AUTH (refresh aside). An imported client, or flows given as a
// token, are not known: false.
func customAuthOnly(c awscognito.IUserPoolClient) bool {
	cfn, ok := c.Node().DefaultChild().(awscognito.CfnUserPoolClient)
	if !ok || cfn == nil {
		return false
	}
	flows := cfn.ExplicitAuthFlows()
	if flows == nil || *awscdk.Token_IsUnresolved(flows) {
		// No ExplicitAuthFlows: Cognito's default allows USER_SRP_AUTH.
		return false
	}
	custom := false
	for _, f := range *flows {
		if f == nil || *awscdk.Token_IsUnresolved(f) {
			return false
		}
		switch *f {
		case "ALLOW_CUSTOM_AUTH":
			custom = true
		case "ALLOW_REFRESH_TOKEN_AUTH":
		default:
			return false
		}
	}
	return custom
}

// protectedClientsParameterName is the literal name of the parameter, unique
// per construct path (which includes the stack).
func protectedClientsParameterName(scope constructs.Construct) string {
	return "/cognitobridge/" + *awscdk.Names_UniqueId(scope) + "/protected-clients"
}

// newStepUpTable creates the step-up table in the contract layout: the
// durable enrollment items (no TTL attribute) and the one-time step-up
// records (consumed by the guard within seconds, or removed by TTL). The
// enrollments are the binding every later step-up is checked against, so
// the table is retained when it leaves the stack, protected from deletion
// and has point-in-time recovery. Its logical id stays "Records" (the
// record-only table of earlier versions), so an update keeps the table.
func newStepUpTable(scope constructs.Construct) awsdynamodb.Table {
	// Encrypted at rest with an AWS owned key.
	t := recordtable.New(scope, "Records", "stepup", awsdynamodb.TableEncryption_DEFAULT, awscdk.RemovalPolicy_RETAIN)
	t.Node().DefaultChild().(awsdynamodb.CfnTable).SetDeletionProtectionEnabled(jsii.Bool(true))
	return t
}

func newUserPool(scope constructs.Construct, props *StepUpProps) awscognito.UserPool {
	poolProps := props.poolOptions().Props()
	poolProps.StandardAttributes = &awscognito.StandardAttributes{
		Email: &awscognito.StandardAttribute{Required: jsii.Bool(true), Mutable: jsii.Bool(true)},
	}
	// Cognito's own MFA stays off: the OIDC step-up is the second factor.
	poolProps.Mfa = awscognito.Mfa_OFF
	// An email (or phone) change takes effect only once the new value is
	// verified: until then the original keeps receiving recovery codes and
	// stays the sign-in alias (UserAttributeUpdateSettings).
	poolProps.KeepOriginal = keepOriginal(poolProps.AutoVerify)
	pool := awscognito.NewUserPool(scope, jsii.String("UserPool"), poolProps)
	nag.Suppress(pool, "AwsSolutions-COG2",
		"The OIDC step-up is this pool's second factor: Define completes a custom-auth sign-in only after the "+
			"password (SRP) and a verified provider ID token bound to the user, and (with the ServerSideGuard) the Pre Token "+
			"Generation trigger issues tokens only after a recorded step-up, whatever the auth flow. "+
			"Cognito's SMS/TOTP MFA stays off so it cannot replace or duplicate the step-up.")
	return pool
}

// keepOriginal keeps each auto-verified attribute until its change is
// verified (Cognito needs the attribute auto-verified to send the code).
func keepOriginal(auto *awscognito.AutoVerifiedAttrs) *awscognito.KeepOriginalAttrs {
	if auto == nil {
		return nil
	}
	return &awscognito.KeepOriginalAttrs{
		Email: jsii.Bool(auto.Email != nil && *auto.Email),
		Phone: jsii.Bool(auto.Phone != nil && *auto.Phone),
	}
}

// newProviderSecret creates the provider secret the preset names from
// NoEcho parameters: the template holds only Refs to them, never a value.
func newProviderSecret(scope constructs.Construct, props *StepUpProps) awssecretsmanager.ISecret {
	prefix := secretparam.Prefix(scope, props.ParameterPrefix)
	spec := props.Provider.preset().secret(func(name, description string) awscdk.SecretValue {
		return secretparam.Value(scope, name, prefix, description)
	})
	secret := awssecretsmanager.NewSecret(scope, jsii.String("ProviderSecret"), &awssecretsmanager.SecretProps{
		Description:       jsii.String(spec.description),
		SecretObjectValue: &spec.values,
	})
	nag.Suppress(secret, "AwsSolutions-SMG4", spec.noRotation)
	return secret
}

// newTrigger creates one trigger function with its own role and log group
// (see gofn).
func newTrigger(scope constructs.Construct, name string, props *StepUpProps, code awslambda.Code, pkg string, env map[string]string, description string) awslambda.Function {
	fn, _, _ := gofn.New(scope, name, gofn.Props{
		ImportPath:      pkg,
		Code:            code,
		Description:     "cognitobridge step-up " + description,
		RoleDescription: "cognitobridge step-up " + name + " trigger",
		MemorySize:      props.MemorySize,
		Timeout:         props.Timeout,
		LogRetention:    props.LogRetention,
		Environment:     env,
	})
	return fn
}

// Package proofing adds identity proofing at sign-up (NIST SP 800-63-3
// IAL2 through 1Kosmos BlockID IDV) to a user pool. An account reaches
// custom:ial only after, in this order:
//
//  1. SignUp with validationData proofing_handle_sha256 (pre sign-up starts
//     the provider session; nothing is auto-confirmed or auto-verified);
//  2. ConfirmSignUp with the code Cognito emailed: the account is CONFIRMED
//     and its email verified, but it has no assurance;
//  3. POST /proofing/session with the handle: the session URL, only now;
//  4. the document and live face at the provider;
//  5. the provider's signed callback: the result, encrypted under the
//     shared key (a plaintext answer is refused), must show a live face
//     matching the document, a document the provider found authentic, and a
//     document not already used by MaxAccountsPerDocument other accounts;
//     then custom:ial, custom:ial_at, custom:ial_email (the verified email
//     the proof is bound to) and custom:ial_src are written by the backend.
//
// After proofing, the assurance holds only while the email is the one it
// was bound to and verified: the pool's pre token generation function
// (behaviour contract.BehaviourAssurance, shared through
// constructs/pretokengen) suppresses it from the tokens and deletes it
// otherwise, and the created app client cannot change email at all.
//
// It adds the contract.BehaviourProofing behaviour to the pool's single
// pre sign-up function (constructs/presignup) and the assurance behaviour to
// its pre token generation function, creates the proofing table (records,
// the document registry), the IDV secret (or takes yours), the document
// key, and an HTTP API with
//
//	POST /proofing/session   the client exchanges its sign-up handle for its session URL (or its outcome)
//	POST /proofing/callback  the provider (or a relay) announces a finished session, HMAC-signed
//
// Requirements on a pool you pass (met when the construct creates it):
//   - string, mutable custom attributes "ial", "ial_at", "ial_email" and
//     "ial_src" (contract.AssuranceAttributes); CDK cannot add them to an
//     existing pool's schema after creation, so add them yourself;
//   - no app client may write any custom:ial* attribute, email or
//     phone_number (set the client's WriteAttributes explicitly; the
//     default allows every standard attribute);
//   - email auto-verified (Cognito sends the sign-up code), ideally with
//     "keep original attribute value active" for email;
//   - the pre sign-up and pre token generation triggers free or owned by
//     constructs/presignup and constructs/pretokengen (the latter's V2_0
//     event needs the Essentials or Plus feature plan).
package proofing

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/cognitobridge/cognitobridge/constructs/internal/assurancefn"
	"github.com/cognitobridge/cognitobridge/constructs/internal/gofn"
	"github.com/cognitobridge/cognitobridge/constructs/internal/logkey"
	"github.com/cognitobridge/cognitobridge/constructs/internal/nag"
	"github.com/cognitobridge/cognitobridge/constructs/internal/newpool"
	"github.com/cognitobridge/cognitobridge/constructs/internal/propcheck"
	"github.com/cognitobridge/cognitobridge/constructs/internal/secretparam"
	"github.com/cognitobridge/cognitobridge/constructs/presignup"
	"github.com/cognitobridge/cognitobridge/constructs/pretokengen"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// Handler packages built into the API functions.
const (
	SessionHandlerPackage  = "github.com/cognitobridge/cognitobridge/lambdas/cmd/proofing-session"
	CallbackHandlerPackage = "github.com/cognitobridge/cognitobridge/lambdas/cmd/proofing-callback"
)

// Function settings.
const (
	MemorySize             = 128
	SessionTimeoutSeconds  = 5
	CallbackTimeoutSeconds = 10
)

// Routes of the HTTP API.
const (
	SessionPath  = "/proofing/session"
	CallbackPath = "/proofing/callback"
)

// ProofingProps configures a Proofing. Nil means the documented default.
type ProofingProps struct {
	// The user pool: an awscognito.UserPool of this app whose PreSignUp
	// trigger is free or owned by constructs/presignup, and which meets the
	// package comment's requirements.
	// Default: - a new pool (self sign-up, email as user name, email
	// auto-verified and kept until a new one is verified, the assurance
	// attributes) and an app client that can write neither them nor email
	// or phone_number.
	UserPool awscognito.IUserPool
	// The IDV API base URL (BlockID: the tenant's document verification
	// service URL, "docuverify" in https://{tenantDNS}/caas/sd). Required.
	IDVBaseURL *string
	// Document types accepted, of "dl", "passport", "idcard".
	// Default: ["dl","passport"].
	DocumentTypes *[]*string
	// Liveness mode, "passive" or "active".
	// Default: "passive".
	Liveness *string
	// The IDV secret (JSON of contract.IDVSecret). Its key must let the
	// three functions decrypt it.
	// Default: - a new secret from NoEcho parameters <prefix>LicenseKey,
	// <prefix>PublicKey, <prefix>SharedKey, <prefix>DvcId, <prefix>TenantDns,
	// <prefix>Community and <prefix>CallbackHmacKey.
	Secret awssecretsmanager.ISecret
	// Prefix of the NoEcho parameters' logical ids.
	// Default: the construct id without non-alphanumerics.
	ParameterPrefix *string
	// How many accounts one identity document may proof, 1 to 100. The
	// document registry keeps a keyed hash of the document's type, country
	// and number for each proofed account, and refuses the next account
	// with the reason document_in_use. More than 1 lets one person hold
	// several assured accounts (or a stolen document proof them).
	// Default: 1.
	MaxAccountsPerDocument *float64
	// Proofing sessions the pre sign-up may start per user name per
	// SessionsWindow, 1 to 1000. Sign-ups of one name sent together all
	// pass the check for a proofing in progress before any of them records
	// one, and each would start a document session at the provider (billed
	// per session); beyond this number the sign-up is refused (reason
	// user_cap_reached, "try again in a few minutes") and nothing is
	// started. Each start costs one conditional DynamoDB UpdateItem on the
	// proofing table.
	// Default: 3 (contract.DefaultUserCapProofingSessions).
	MaxSessionsPerUser *float64
	// The fixed window MaxSessionsPerUser counts in, 1 minute to 1 day,
	// whole seconds.
	// Default: awscdk.Duration_Minutes(15).
	SessionsWindow awscdk.Duration
	// The key of the document registry's hashes: a secret string of at
	// least 32 characters that must never change (the registry's hashes
	// would no longer match, and every document could proof again).
	// Default: - a new secret with a generated value, retained when the
	// stack is deleted.
	DocumentKey awssecretsmanager.ISecret
	// The pool's pre token generation function, when this construct creates
	// it (see constructs/pretokengen).
	// Default: - event version V2_0, built from lambdas/cmd/pretokengen.
	PreTokenGeneration *pretokengen.PreTokenGenerationProps
	// Retention of every log group (functions and API access logs).
	// Default: awslogs.RetentionDays_ONE_MONTH.
	LogRetention awslogs.RetentionDays
	// Steady-state request rate per second allowed on the API's routes.
	// Default: 10.
	ThrottleRateLimit *float64
	// Prebuilt code (provided.al2023 arm64 bundles with a bootstrap).
	// Default: - built from lambdas/cmd/{presignup,proofing-session,proofing-callback}.
	Code *ProofingCode
}

// ProofingCode holds prebuilt handler code; nil fields are built.
type ProofingCode struct {
	PreSignUp, Session, Callback awslambda.Code
}

// Proofing is identity proofing at sign-up.
type Proofing interface {
	constructs.Construct
	UserPool() awscognito.IUserPool
	// Client is the created app client, nil for a given pool.
	Client() awscognito.UserPoolClient
	PreSignUp() presignup.PreSignUp
	// Assurance is the pool's pre token generation function running the
	// assurance behaviour (the binding of custom:ial to the email).
	Assurance() pretokengen.PreTokenGeneration
	Table() awsdynamodb.Table
	Secret() awssecretsmanager.ISecret
	// DocumentKey keys the document registry.
	DocumentKey() awssecretsmanager.ISecret
	HttpApi() awsapigatewayv2.HttpApi
	SessionFunction() awslambda.Function
	CallbackFunction() awslambda.Function
	// CallbackURL is the URL the provider must call.
	CallbackURL() *string
}

type proofing struct {
	constructs.Construct
	pool              awscognito.IUserPool
	client            awscognito.UserPoolClient
	preSignUp         presignup.PreSignUp
	assurance         pretokengen.PreTokenGeneration
	table             awsdynamodb.Table
	secret, docKey    awssecretsmanager.ISecret
	api               awsapigatewayv2.HttpApi
	session, callback awslambda.Function
	callbackURL       *string
}

func (p *proofing) UserPool() awscognito.IUserPool    { return p.pool }
func (p *proofing) Client() awscognito.UserPoolClient { return p.client }
func (p *proofing) PreSignUp() presignup.PreSignUp    { return p.preSignUp }
func (p *proofing) Table() awsdynamodb.Table          { return p.table }
func (p *proofing) Secret() awssecretsmanager.ISecret { return p.secret }
func (p *proofing) DocumentKey() awssecretsmanager.ISecret {
	return p.docKey
}
func (p *proofing) Assurance() pretokengen.PreTokenGeneration { return p.assurance }
func (p *proofing) HttpApi() awsapigatewayv2.HttpApi          { return p.api }
func (p *proofing) SessionFunction() awslambda.Function       { return p.session }
func (p *proofing) CallbackFunction() awslambda.Function      { return p.callback }
func (p *proofing) CallbackURL() *string                      { return p.callbackURL }

// idvBaseURL matches an https URL without query or fragment.
var idvBaseURL = regexp.MustCompile(`^https://[^\s/?#]+(/[^\s?#]*)?$`)

func (p *ProofingProps) validate() error {
	if p == nil {
		return fmt.Errorf("expected props to be set, received nil")
	}
	if p.UserPool != nil {
		if _, ok := p.UserPool.(awscognito.UserPool); !ok {
			return fmt.Errorf("expected UserPool to be an awscognito.UserPool of this app (a trigger cannot be added to an imported pool), received %T", p.UserPool)
		}
	}
	if p.IDVBaseURL == nil {
		return fmt.Errorf("expected IDVBaseURL to be set, received nil")
	}
	if !propcheck.IsToken(p.IDVBaseURL) && !idvBaseURL.MatchString(*p.IDVBaseURL) {
		return fmt.Errorf("expected IDVBaseURL to be an https URL without query, received %q", *p.IDVBaseURL)
	}
	if p.DocumentTypes != nil {
		if len(*p.DocumentTypes) == 0 {
			return fmt.Errorf("expected DocumentTypes to hold at least one type, received none")
		}
		seen := map[string]bool{}
		for i, d := range *p.DocumentTypes {
			switch {
			case d == nil:
				return fmt.Errorf("expected DocumentTypes[%d] to be set, received nil", i)
			case *d != contract.IDVDocumentDriversLicense && *d != contract.IDVDocumentPassport && *d != contract.IDVDocumentIDCard:
				return fmt.Errorf("expected DocumentTypes[%d] to be %q, %q or %q, received %q", i, contract.IDVDocumentDriversLicense, contract.IDVDocumentPassport, contract.IDVDocumentIDCard, *d)
			case seen[*d]:
				return fmt.Errorf("expected DocumentTypes to be distinct, received %q twice", *d)
			}
			seen[*d] = true
		}
	}
	if l := p.Liveness; l != nil && *l != contract.IDVLivenessPassive && *l != contract.IDVLivenessActive {
		return fmt.Errorf("expected Liveness to be %q or %q, received %q", contract.IDVLivenessPassive, contract.IDVLivenessActive, *l)
	}
	if r := p.ThrottleRateLimit; r != nil && (*r < 1 || *r > 10000) {
		return fmt.Errorf("expected ThrottleRateLimit between 1 and 10000, received %g", *r)
	}
	if m := p.MaxAccountsPerDocument; m != nil && !propcheck.IsTokenNumber(*m) && (*m < 1 || *m > 100 || *m != float64(int(*m))) {
		return fmt.Errorf("expected MaxAccountsPerDocument to be a whole number between 1 and 100, received %g", *m)
	}
	return propcheck.First(
		propcheck.Range("MaxSessionsPerUser", p.MaxSessionsPerUser, contract.MinUserCapStarts, contract.MaxUserCapStarts, true),
		propcheck.DurationMillis("SessionsWindow", p.SessionsWindow, contract.MinUserCapWindowSeconds*1000, contract.MaxUserCapWindowSeconds*1000),
		propcheck.WholeSeconds("SessionsWindow", p.SessionsWindow),
	)
}

// userCapEnv is the pre sign-up behaviour's per-user start cap.
func (p *ProofingProps) userCapEnv() map[string]string {
	starts := float64(contract.DefaultUserCapProofingSessions)
	if p.MaxSessionsPerUser != nil {
		starts = *p.MaxSessionsPerUser
	}
	window := float64(contract.DefaultUserCapWindowSeconds)
	if p.SessionsWindow != nil {
		window = *p.SessionsWindow.ToSeconds(nil)
	}
	return map[string]string{
		contract.EnvUserCapStarts:        gofn.EnvNumber(starts),
		contract.EnvUserCapWindowSeconds: gofn.EnvNumber(window),
	}
}

// NewProofing adds identity proofing at sign-up. It panics with a
// descriptive message when props are invalid.
func NewProofing(scope constructs.Construct, id *string, props *ProofingProps) Proofing {
	if err := props.validate(); err != nil {
		panic("proofing: " + err.Error())
	}
	this := constructs.NewConstruct(scope, id)
	p := &proofing{Construct: this}
	retention := props.LogRetention
	if retention == "" {
		retention = awslogs.RetentionDays_ONE_MONTH
	}
	code := props.Code
	if code == nil {
		code = &ProofingCode{}
	}
	docTypes := []string{contract.IDVDocumentDriversLicense, contract.IDVDocumentPassport}
	if props.DocumentTypes != nil {
		docTypes = docTypes[:0]
		for _, d := range *props.DocumentTypes {
			docTypes = append(docTypes, *d)
		}
	}
	docJSON, _ := json.Marshal(docTypes)
	liveness := contract.IDVLivenessPassive
	if props.Liveness != nil {
		liveness = *props.Liveness
	}

	if props.UserPool != nil {
		p.pool = props.UserPool
	} else {
		pool, client := newUserPool(this)
		p.pool, p.client = pool, client
	}
	p.secret = props.Secret
	if p.secret == nil {
		p.secret = newSecret(this, props)
	}
	p.docKey = props.DocumentKey
	if p.docKey == nil {
		p.docKey = newDocumentKey(this)
	}
	maxAccounts := "1"
	if props.MaxAccountsPerDocument != nil {
		maxAccounts = gofn.EnvNumber(*props.MaxAccountsPerDocument)
	}
	p.table = newTable(this)
	api, accessLogs := newHttpAPI(this, retention, props.ThrottleRateLimit)
	p.api = api
	_ = accessLogs
	p.callbackURL = awscdk.Fn_Join(jsii.String(""), &[]*string{api.ApiEndpoint(), jsii.String(CallbackPath)})

	// Pre sign-up behaviour.
	p.preSignUp = presignup.Of(p.pool, &presignup.PreSignUpProps{Code: code.PreSignUp, LogRetention: retention})
	behaviourEnv := map[string]string{
		contract.EnvProofingTable:    *p.table.TableName(),
		contract.EnvIDVBaseURL:       *props.IDVBaseURL,
		contract.EnvIDVSecretARN:     *p.secret.SecretArn(),
		contract.EnvIDVDocumentTypes: string(docJSON),
		contract.EnvIDVLiveness:      liveness,
		contract.EnvIDVCallbackURL:   *p.callbackURL,
	}
	maps.Copy(behaviourEnv, props.userCapEnv())
	p.preSignUp.AddBehaviour(contract.BehaviourProofing, behaviourEnv)
	// A separate policy (see constructs/presignup): none of it names the
	// pool, but keeping the trigger's rights together keeps them visible.
	awsiam.NewPolicy(this, jsii.String("PreSignUpPolicy"), &awsiam.PolicyProps{
		Roles: &[]awsiam.IRole{p.preSignUp.Role()},
		Statements: &[]awsiam.PolicyStatement{
			// GetItem and PutItem: the proofing record; UpdateItem: the
			// per-user start counter.
			statement([]*string{p.table.TableArn()}, "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"),
			statement([]*string{p.secret.SecretArn()}, "secretsmanager:GetSecretValue"),
		},
	})
	logkey.Attach(p.preSignUp.Function())
	// The binding of the assurance to the email, at every token issuance.
	p.assurance = assurancefn.Enable(p.pool, "", 0, props.PreTokenGeneration)

	poolID := *p.pool.UserPoolId()
	var sessionRole, callbackRole awsiam.Role
	p.session, sessionRole = newFunction(this, "Session", code.Session, SessionHandlerPackage, SessionTimeoutSeconds, retention,
		"cognitobridge proofing: session URL for the sign-up handle (POST "+SessionPath+")",
		map[string]string{contract.EnvProofingUserPoolID: poolID, contract.EnvProofingTable: *p.table.TableName()})
	sessionRole.AddToPrincipalPolicy(statement([]*string{p.table.TableArn()}, "dynamodb:GetItem"))
	// The contact check: status and email_verified of the user.
	sessionRole.AddToPrincipalPolicy(statement([]*string{p.pool.UserPoolArn()}, "cognito-idp:AdminGetUser"))
	logkey.Attach(p.session)

	p.callback, callbackRole = newFunction(this, "Callback", code.Callback, CallbackHandlerPackage, CallbackTimeoutSeconds, retention,
		"cognitobridge proofing: signed provider callback, confirms proofed users (POST "+CallbackPath+")",
		map[string]string{contract.EnvProofingUserPoolID: poolID, contract.EnvProofingTable: *p.table.TableName(),
			contract.EnvIDVBaseURL: *props.IDVBaseURL, contract.EnvIDVSecretARN: *p.secret.SecretArn(),
			contract.EnvProofingDocumentKeySecretARN: *p.docKey.SecretArn(), contract.EnvProofingMaxAccountsPerDocument: maxAccounts})
	callbackRole.AddToPrincipalPolicy(statement([]*string{p.table.TableArn()}, "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"))
	callbackRole.AddToPrincipalPolicy(statement([]*string{p.secret.SecretArn(), p.docKey.SecretArn()}, "secretsmanager:GetSecretValue"))
	// No AdminConfirmSignUp: the user confirms with the emailed code.
	callbackRole.AddToPrincipalPolicy(statement([]*string{p.pool.UserPoolArn()},
		"cognito-idp:AdminGetUser", "cognito-idp:AdminUpdateUserAttributes"))
	logkey.Attach(p.callback)
	if props.Secret == nil {
		denyOthers(p.secret, p.preSignUp.Role(), callbackRole)
	}
	if props.DocumentKey == nil {
		denyOthers(p.docKey, callbackRole)
	}

	api.AddRoutes(&awsapigatewayv2.AddRoutesOptions{
		Path:        jsii.String(SessionPath),
		Methods:     &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_POST},
		Integration: awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String("SessionIntegration"), p.session, nil),
	})
	api.AddRoutes(&awsapigatewayv2.AddRoutesOptions{
		Path:        jsii.String(CallbackPath),
		Methods:     &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_POST},
		Integration: awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String("CallbackIntegration"), p.callback, nil),
	})
	routes := api.Node().FindAll(constructs.ConstructOrder_PREORDER)
	for _, c := range *routes {
		if r, ok := c.(awsapigatewayv2.CfnRoute); ok {
			nag.Suppress(r, "AwsSolutions-APIG4",
				"The proofing routes authenticate in the handler: /proofing/session by the sign-up handle "+
					"(SHA-256 compared in constant time, one answer for unknown user and wrong handle), /proofing/callback by an "+
					"HMAC-SHA256 signature with a 300 s window and replay refusal. A user has no Cognito token before proofing, "+
					"and the provider has none at all, so a Cognito or IAM authorizer cannot apply.")
		}
	}
	return p
}

func statement(resources []*string, actions ...string) awsiam.PolicyStatement {
	return awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Effect:    awsiam.Effect_ALLOW,
		Actions:   jsii.Strings(actions...),
		Resources: &resources,
	})
}

// denyOthers lets only the two functions read the created secret.
func denyOthers(secret awssecretsmanager.ISecret, roles ...awsiam.IRole) {
	arns := make([]*string, len(roles))
	for i, r := range roles {
		arns[i] = r.RoleArn()
	}
	secret.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("DenyEveryoneElse"),
		Effect:     awsiam.Effect_DENY,
		Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
		Actions:    jsii.Strings("secretsmanager:GetSecretValue"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]interface{}{"StringNotEquals": map[string]interface{}{"aws:PrincipalArn": arns}},
	}))
}

func newUserPool(scope constructs.Construct) (awscognito.UserPool, awscognito.UserPoolClient) {
	// The shared secure defaults (password policy, recovery by email only,
	// retained and deletion protected), with self sign-up.
	poolProps := newpool.Options{SelfSignUpEnabled: jsii.Bool(true)}.Props()
	// Email is the user name.
	poolProps.SignInAliases = &awscognito.SignInAliases{Email: jsii.Bool(true)}
	// Cognito emails a code at sign-up; ConfirmSignUp with it confirms the
	// account and verifies the email, before the proofing can grant
	// anything. A changed email stays unused until the new one is verified.
	poolProps.AutoVerify = &awscognito.AutoVerifiedAttrs{Email: jsii.Bool(true), Phone: jsii.Bool(false)}
	poolProps.KeepOriginal = &awscognito.KeepOriginalAttrs{Email: jsii.Bool(true)}
	poolProps.StandardAttributes = &awscognito.StandardAttributes{
		Email: &awscognito.StandardAttribute{Required: jsii.Bool(true), Mutable: jsii.Bool(true)},
	}
	str := func(max float64) awscognito.ICustomAttribute {
		return awscognito.NewStringAttribute(&awscognito.StringAttributeProps{Mutable: jsii.Bool(true), MaxLen: jsii.Number(max)})
	}
	// Backend-only (AdminUpdateUserAttributes); mutable so the backend can
	// change and remove them.
	poolProps.CustomAttributes = &map[string]awscognito.ICustomAttribute{
		"ial": str(8), "ial_at": str(32), "ial_email": str(2048), "ial_src": str(64),
	}
	poolProps.Mfa = awscognito.Mfa_REQUIRED
	poolProps.MfaSecondFactor = &awscognito.MfaSecondFactor{Otp: jsii.Bool(true), Sms: jsii.Bool(false)}
	pool := awscognito.NewUserPool(scope, jsii.String("UserPool"), poolProps)
	// The app client may read everything but write only the profile: not
	// the email the proof is bound to, not phone_number, not the assurance.
	write := awscognito.NewClientAttributes().WithStandardAttributes(ClientWriteAttributesMask())
	read := awscognito.NewClientAttributes().
		WithStandardAttributes(&awscognito.StandardAttributesMask{Email: jsii.Bool(true), EmailVerified: jsii.Bool(true), GivenName: jsii.Bool(true),
			FamilyName: jsii.Bool(true), MiddleName: jsii.Bool(true), Fullname: jsii.Bool(true), Nickname: jsii.Bool(true), Locale: jsii.Bool(true),
			Timezone: jsii.Bool(true), ProfilePicture: jsii.Bool(true), Website: jsii.Bool(true), ProfilePage: jsii.Bool(true), Gender: jsii.Bool(true),
			Birthdate: jsii.Bool(true), Address: jsii.Bool(true)}).
		WithCustomAttributes(jsii.String("ial"), jsii.String("ial_at"), jsii.String("ial_email"), jsii.String("ial_src"))
	client := pool.AddClient(jsii.String("Client"), &awscognito.UserPoolClientOptions{
		GenerateSecret:             jsii.Bool(false),
		AuthFlows:                  &awscognito.AuthFlow{UserSrp: jsii.Bool(true)},
		PreventUserExistenceErrors: jsii.Bool(true),
		ReadAttributes:             read,
		WriteAttributes:            write,
		DisableOAuth:               jsii.Bool(true),
	})
	return pool, client
}

// ClientWriteAttributesMask is what the created app client lets a user
// write with their own access token: profile attributes only, nothing that
// reaches, recovers or is vouched for by the proof.
func ClientWriteAttributesMask() *awscognito.StandardAttributesMask {
	t := jsii.Bool(true)
	return &awscognito.StandardAttributesMask{GivenName: t, FamilyName: t, MiddleName: t, Fullname: t, Nickname: t, Locale: t,
		Timezone: t, ProfilePicture: t, Website: t, ProfilePage: t, Gender: t, Birthdate: t, Address: t}
}

// newDocumentKey creates the document registry's key: a generated value,
// kept when the stack is deleted (a new key would let every document
// proof again).
func newDocumentKey(scope constructs.Construct) awssecretsmanager.ISecret {
	secret := awssecretsmanager.NewSecret(scope, jsii.String("DocumentKey"), &awssecretsmanager.SecretProps{
		Description: jsii.String("cognitobridge identity proofing: key of the document registry's hashes (never rotate)"),
		GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
			PasswordLength:     jsii.Number(64),
			ExcludePunctuation: jsii.Bool(true),
		},
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	nag.Suppress(secret, "AwsSolutions-SMG4",
		"The key keys the document registry (HMAC-SHA256 of each proofed document's number): a new key would no longer "+
			"match the stored hashes, so every document could proof new accounts again. It must not rotate.")
	return secret
}

func newSecret(scope constructs.Construct, props *ProofingProps) awssecretsmanager.ISecret {
	prefix := secretparam.Prefix(scope, props.ParameterPrefix)
	param := func(name, description string, minLen float64) awscdk.SecretValue {
		return secretparam.ValueMinLength(scope, name, prefix, description+" (stored in Secrets Manager)", minLen)
	}
	values := map[string]awscdk.SecretValue{
		contract.IDVSecretKeyLicenseKey:      param("LicenseKey", "BlockID license key", 1),
		contract.IDVSecretKeyPublicKey:       param("PublicKey", "This integration's BlockID public key (base64)", 1),
		contract.IDVSecretKeySharedKey:       param("SharedKey", "AES-256 key shared with the BlockID document verification service (base64)", 44),
		contract.IDVSecretKeyDVCID:           param("DvcId", "BlockID document verification configuration id (dvcID)", 1),
		contract.IDVSecretKeyTenantDNS:       param("TenantDns", "BlockID tenant DNS name", 1),
		contract.IDVSecretKeyCommunity:       param("Community", "BlockID community name", 1),
		contract.IDVSecretKeyCallbackHMACKey: param("CallbackHmacKey", "HMAC-SHA256 key of the proofing callback signature, at least 32 characters", 32),
	}
	secret := awssecretsmanager.NewSecret(scope, jsii.String("IdvSecret"), &awssecretsmanager.SecretProps{
		Description:       jsii.String("cognitobridge identity proofing: IDV API credentials and callback HMAC key"),
		SecretObjectValue: &values,
	})
	nag.Suppress(secret, "AwsSolutions-SMG4",
		"The license and shared keys are issued by 1Kosmos and the HMAC key must change at the provider (or relay) "+
			"at the same time: rotation is a coordinated PutSecretValue, picked up by the handlers within their 300 s cache TTL "+
			"without a redeploy; a rotation Lambda cannot change the provider side.")
	return secret
}

// newTable creates the proofing table (records, session index, replay
// marks, the document registry; TTL on contract.RecordExpiresAt for the
// short-lived items). Verified records and the registry are durable: the
// table is retained and has point-in-time recovery.
func newTable(scope constructs.Construct) awsdynamodb.Table {
	t := awsdynamodb.NewTable(scope, jsii.String("Records"), &awsdynamodb.TableProps{
		PartitionKey:        &awsdynamodb.Attribute{Name: jsii.String(contract.RecordPartitionKey), Type: awsdynamodb.AttributeType_STRING},
		BillingMode:         awsdynamodb.BillingMode_PAY_PER_REQUEST,
		TimeToLiveAttribute: jsii.String(contract.RecordExpiresAt),
		Encryption:          awsdynamodb.TableEncryption_DEFAULT,
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true),
		},
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	t.Node().AddMetadata(jsii.String(contract.MetadataTable), "proofing", nil) // constructs/monitoring watches it
	return t
}

func newHttpAPI(scope constructs.Construct, retention awslogs.RetentionDays, rate *float64) (awsapigatewayv2.HttpApi, awslogs.LogGroup) {
	api := awsapigatewayv2.NewHttpApi(scope, jsii.String("HttpApi"), &awsapigatewayv2.HttpApiProps{
		Description:        jsii.String("cognitobridge identity proofing: session handle exchange and provider callback"),
		CreateDefaultStage: jsii.Bool(true),
	})
	logs := awslogs.NewLogGroup(scope, jsii.String("AccessLogs"), &awslogs.LogGroupProps{Retention: retention})
	format, _ := json.Marshal(map[string]string{
		"requestId": "$context.requestId", "ip": "$context.identity.sourceIp", "requestTime": "$context.requestTime",
		"httpMethod": "$context.httpMethod", "routeKey": "$context.routeKey", "status": "$context.status",
		"protocol": "$context.protocol", "responseLength": "$context.responseLength", "integrationError": "$context.integrationErrorMessage",
	})
	stage, _ := api.DefaultStage().Node().DefaultChild().(awsapigatewayv2.CfnStage)
	if stage == nil {
		panic("proofing: expected the default stage of the created HTTP API to be a CfnStage")
	}
	stage.SetAccessLogSettings(&awsapigatewayv2.CfnStage_AccessLogSettingsProperty{DestinationArn: logs.LogGroupArn(), Format: jsii.String(string(format))})
	if rate == nil {
		rate = jsii.Number(10)
	}
	stage.SetDefaultRouteSettings(&awsapigatewayv2.CfnStage_RouteSettingsProperty{ThrottlingRateLimit: rate, ThrottlingBurstLimit: jsii.Number(2 * *rate)})
	return api, logs
}

// newFunction creates the function <name>Function with its own log group
// and role (see gofn); description names both.
func newFunction(scope constructs.Construct, name string, code awslambda.Code, pkg string, timeout float64, retention awslogs.RetentionDays, description string, env map[string]string) (awslambda.Function, awsiam.Role) {
	fn, role, _ := gofn.New(scope, name, gofn.Props{
		ImportPath:   pkg,
		Code:         code,
		Description:  description,
		MemorySize:   jsii.Number(MemorySize),
		Timeout:      awscdk.Duration_Seconds(jsii.Number(timeout)),
		LogRetention: retention,
		Environment:  env,
	})
	return fn, role
}

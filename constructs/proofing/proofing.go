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
	"errors"
	"fmt"
	"maps"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/cognitobridge/cognitobridge/constructs/internal/allow"
	"github.com/cognitobridge/cognitobridge/constructs/internal/assurancefn"
	"github.com/cognitobridge/cognitobridge/constructs/internal/gofn"
	"github.com/cognitobridge/cognitobridge/constructs/internal/httpapi"
	"github.com/cognitobridge/cognitobridge/constructs/internal/logkey"
	"github.com/cognitobridge/cognitobridge/constructs/internal/nag"
	"github.com/cognitobridge/cognitobridge/constructs/internal/newpool"
	"github.com/cognitobridge/cognitobridge/constructs/internal/propcheck"
	"github.com/cognitobridge/cognitobridge/constructs/internal/recordtable"
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

// validate checks every concern of the props (the pool, the IDV provider,
// the limits) and reports every problem at once.
func (p *ProofingProps) validate() error {
	if p == nil {
		return fmt.Errorf("expected props to be set, received nil")
	}
	var errs []error
	if p.UserPool != nil {
		if _, ok := p.UserPool.(awscognito.UserPool); !ok {
			errs = append(errs, fmt.Errorf("expected UserPool to be an awscognito.UserPool of this app (a trigger cannot be added to an imported pool), received %T", p.UserPool))
		}
	}
	errs = append(errs, p.validateIDV(), p.validateLimits())
	return errors.Join(errs...)
}

// validateIDV checks what is asked of the IDV provider: where, which
// documents, which liveness.
func (p *ProofingProps) validateIDV() error {
	var errs []error
	if p.IDVBaseURL == nil {
		errs = append(errs, fmt.Errorf("expected IDVBaseURL to be set, received nil"))
	} else if !propcheck.IsToken(p.IDVBaseURL) && !idvBaseURL.MatchString(*p.IDVBaseURL) {
		errs = append(errs, fmt.Errorf("expected IDVBaseURL to be an https URL without query, received %q", *p.IDVBaseURL))
	}
	errs = append(errs, checkDocumentTypes(p.DocumentTypes))
	if l := p.Liveness; l != nil && *l != contract.IDVLivenessPassive && *l != contract.IDVLivenessActive {
		errs = append(errs, fmt.Errorf("expected Liveness to be %q or %q, received %q", contract.IDVLivenessPassive, contract.IDVLivenessActive, *l))
	}
	return errors.Join(errs...)
}

// checkDocumentTypes: nil, or distinct known types.
func checkDocumentTypes(l *[]*string) error {
	if l == nil {
		return nil
	}
	if len(*l) == 0 {
		return fmt.Errorf("expected DocumentTypes to hold at least one type, received none")
	}
	var errs []error
	seen := map[string]bool{}
	for i, d := range *l {
		switch {
		case d == nil:
			errs = append(errs, fmt.Errorf("expected DocumentTypes[%d] to be set, received nil", i))
			continue
		case *d != contract.IDVDocumentDriversLicense && *d != contract.IDVDocumentPassport && *d != contract.IDVDocumentIDCard:
			errs = append(errs, fmt.Errorf("expected DocumentTypes[%d] to be %q, %q or %q, received %q", i, contract.IDVDocumentDriversLicense, contract.IDVDocumentPassport, contract.IDVDocumentIDCard, *d))
		case seen[*d]:
			errs = append(errs, fmt.Errorf("expected DocumentTypes to be distinct, received %q twice", *d))
		}
		seen[*d] = true
	}
	return errors.Join(errs...)
}

// validateLimits checks the API's rate, the document registry's limit and
// the per-user start cap.
func (p *ProofingProps) validateLimits() error {
	var errs []error
	if r := p.ThrottleRateLimit; r != nil && (*r < 1 || *r > 10000) {
		errs = append(errs, fmt.Errorf("expected ThrottleRateLimit between 1 and 10000, received %g", *r))
	}
	if m := p.MaxAccountsPerDocument; m != nil && !propcheck.IsTokenNumber(*m) && (*m < 1 || *m > 100 || *m != float64(int(*m))) {
		errs = append(errs, fmt.Errorf("expected MaxAccountsPerDocument to be a whole number between 1 and 100, received %g", *m))
	}
	return errors.Join(append(errs,
		propcheck.Range("MaxSessionsPerUser", p.MaxSessionsPerUser, contract.MinUserCapStarts, contract.MaxUserCapStarts, true),
		propcheck.DurationMillis("SessionsWindow", p.SessionsWindow, contract.MinUserCapWindowSeconds*1000, contract.MaxUserCapWindowSeconds*1000),
		propcheck.WholeSeconds("SessionsWindow", p.SessionsWindow),
	)...)
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

// idvEnv is what the pre sign-up behaviour asks the IDV provider for.
func (p *ProofingProps) idvEnv() map[string]string {
	docTypes := []string{contract.IDVDocumentDriversLicense, contract.IDVDocumentPassport}
	if p.DocumentTypes != nil {
		docTypes = docTypes[:0]
		for _, d := range *p.DocumentTypes {
			docTypes = append(docTypes, *d)
		}
	}
	docJSON, _ := json.Marshal(docTypes)
	liveness := contract.IDVLivenessPassive
	if p.Liveness != nil {
		liveness = *p.Liveness
	}
	return map[string]string{
		contract.EnvIDVBaseURL:       *p.IDVBaseURL,
		contract.EnvIDVDocumentTypes: string(docJSON),
		contract.EnvIDVLiveness:      liveness,
	}
}

// maxAccountsPerDocument is MaxAccountsPerDocument as the callback reads it.
func (p *ProofingProps) maxAccountsPerDocument() string {
	if p.MaxAccountsPerDocument == nil {
		return "1"
	}
	return gofn.EnvNumber(*p.MaxAccountsPerDocument)
}

// NewProofing adds identity proofing at sign-up. It panics with a
// descriptive message when props are invalid.
func NewProofing(scope constructs.Construct, id *string, props *ProofingProps) Proofing {
	if err := props.validate(); err != nil {
		panic("proofing: " + err.Error())
	}
	this := constructs.NewConstruct(scope, id)
	p := &proofing{Construct: this}
	retention := gofn.LogRetention(props.LogRetention)
	code := props.Code
	if code == nil {
		code = &ProofingCode{}
	}
	p.newStores(props)
	p.api, _ = httpapi.New(this, httpapi.Props{
		Owner:        "proofing",
		Description:  "cognitobridge identity proofing: session handle exchange and provider callback",
		LogRetention: retention, RateLimit: props.ThrottleRateLimit, DefaultRateLimit: 10,
	})
	p.callbackURL = awscdk.Fn_Join(jsii.String(""), &[]*string{p.api.ApiEndpoint(), jsii.String(CallbackPath)})
	p.addPreSignUp(props, code.PreSignUp, retention)
	// The binding of the assurance to the email, at every token issuance.
	p.assurance = assurancefn.Enable(p.pool, "", 0, props.PreTokenGeneration)
	p.session = p.newSession(code.Session, retention)
	callbackRole := p.newCallback(props, code.Callback, retention)
	if props.Secret == nil {
		allow.OnlySecretReaders(p.secret, p.preSignUp.Role(), callbackRole)
	}
	if props.DocumentKey == nil {
		allow.OnlySecretReaders(p.docKey, callbackRole)
	}
	p.addRoutes()
	return p
}

// newStores takes or creates the pool (and its client), the IDV secret,
// the document key and the proofing table, in that order.
func (p *proofing) newStores(props *ProofingProps) {
	if props.UserPool != nil {
		p.pool = props.UserPool
	} else {
		p.pool, p.client = newUserPool(p.Construct)
	}
	p.secret = props.Secret
	if p.secret == nil {
		p.secret = newSecret(p.Construct, props)
	}
	p.docKey = props.DocumentKey
	if p.docKey == nil {
		p.docKey = newDocumentKey(p.Construct)
	}
	// Records, session index, replay marks, the document registry (TTL for
	// the short-lived items). Verified records and the registry are
	// durable: the table is retained.
	p.table = recordtable.New(p.Construct, "Records", "proofing", awsdynamodb.TableEncryption_DEFAULT, awscdk.RemovalPolicy_RETAIN)
}

// addPreSignUp adds the proofing behaviour to the pool's pre sign-up
// function: it starts the provider session of a sign-up, within the
// per-user cap.
func (p *proofing) addPreSignUp(props *ProofingProps, code awslambda.Code, retention awslogs.RetentionDays) {
	p.preSignUp = presignup.Of(p.pool, &presignup.PreSignUpProps{Code: code, LogRetention: retention})
	env := props.idvEnv()
	env[contract.EnvProofingTable] = *p.table.TableName()
	env[contract.EnvIDVSecretARN] = *p.secret.SecretArn()
	env[contract.EnvIDVCallbackURL] = *p.callbackURL
	maps.Copy(env, props.userCapEnv())
	p.preSignUp.AddBehaviour(contract.BehaviourProofing, env)
	// A separate policy (see constructs/presignup): none of it names the
	// pool, but keeping the trigger's rights together keeps them visible.
	awsiam.NewPolicy(p.Construct, jsii.String("PreSignUpPolicy"), &awsiam.PolicyProps{
		Roles: &[]awsiam.IRole{p.preSignUp.Role()},
		Statements: &[]awsiam.PolicyStatement{
			// GetItem and PutItem: the proofing record; UpdateItem: the
			// per-user start counter.
			allow.Actions([]*string{p.table.TableArn()}, "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"),
			allow.Actions([]*string{p.secret.SecretArn()}, "secretsmanager:GetSecretValue"),
		},
	})
	logkey.Attach(p.preSignUp.Function())
}

// newSession creates the function that exchanges a sign-up handle for its
// session URL.
func (p *proofing) newSession(code awslambda.Code, retention awslogs.RetentionDays) awslambda.Function {
	fn, role := newFunction(p.Construct, "Session", code, SessionHandlerPackage, SessionTimeoutSeconds, retention,
		"cognitobridge proofing: session URL for the sign-up handle (POST "+SessionPath+")",
		map[string]string{contract.EnvProofingUserPoolID: *p.pool.UserPoolId(), contract.EnvProofingTable: *p.table.TableName()})
	role.AddToPrincipalPolicy(allow.Actions([]*string{p.table.TableArn()}, "dynamodb:GetItem"))
	// The contact check: status and email_verified of the user.
	role.AddToPrincipalPolicy(allow.Actions([]*string{p.pool.UserPoolArn()}, "cognito-idp:AdminGetUser"))
	logkey.Attach(fn)
	return fn
}

// newCallback creates the function of the provider's signed callback,
// which writes the assurance; it returns the function's role.
func (p *proofing) newCallback(props *ProofingProps, code awslambda.Code, retention awslogs.RetentionDays) awsiam.Role {
	var role awsiam.Role
	p.callback, role = newFunction(p.Construct, "Callback", code, CallbackHandlerPackage, CallbackTimeoutSeconds, retention,
		"cognitobridge proofing: signed provider callback, confirms proofed users (POST "+CallbackPath+")",
		map[string]string{contract.EnvProofingUserPoolID: *p.pool.UserPoolId(), contract.EnvProofingTable: *p.table.TableName(),
			contract.EnvIDVBaseURL: *props.IDVBaseURL, contract.EnvIDVSecretARN: *p.secret.SecretArn(),
			contract.EnvProofingDocumentKeySecretARN: *p.docKey.SecretArn(), contract.EnvProofingMaxAccountsPerDocument: props.maxAccountsPerDocument()})
	role.AddToPrincipalPolicy(allow.Actions([]*string{p.table.TableArn()}, "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"))
	role.AddToPrincipalPolicy(allow.Actions([]*string{p.secret.SecretArn(), p.docKey.SecretArn()}, "secretsmanager:GetSecretValue"))
	// No AdminConfirmSignUp: the user confirms with the emailed code.
	role.AddToPrincipalPolicy(allow.Actions([]*string{p.pool.UserPoolArn()},
		"cognito-idp:AdminGetUser", "cognito-idp:AdminUpdateUserAttributes"))
	logkey.Attach(p.callback)
	return role
}

// addRoutes routes both paths to their functions, without an authorizer:
// the handlers authenticate.
func (p *proofing) addRoutes() {
	httpapi.AddPost(p.api, SessionPath, "SessionIntegration", p.session, nil)
	httpapi.AddPost(p.api, CallbackPath, "CallbackIntegration", p.callback, nil)
	for _, c := range *p.api.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		if r, ok := c.(awsapigatewayv2.CfnRoute); ok {
			nag.Suppress(r, "AwsSolutions-APIG4",
				"The proofing routes authenticate in the handler: /proofing/session by the sign-up handle "+
					"(SHA-256 compared in constant time, one answer for unknown user and wrong handle), /proofing/callback by an "+
					"HMAC-SHA256 signature with a 300 s window and replay refusal. A user has no Cognito token before proofing, "+
					"and the provider has none at all, so a Cognito or IAM authorizer cannot apply.")
		}
	}
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

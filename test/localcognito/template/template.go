// Package template reads a synthesized CloudFormation template of one of the
// sample apps (or any stack built from cognitobridge's constructs) into the
// pool a local Cognito endpoint runs (localcognito.Config), plus what a
// runner needs to start the pool's trigger functions locally: which handler
// binary each one is, its resolved environment, and the DynamoDB tables,
// Secrets Manager secrets and SSM parameters the functions use.
//
// The stack is "deployed" deterministically: every physical name and id
// (table names, secret ARNs, client ids, the pool id) is derived from the
// stack name and the logical id, so two loads of one template agree.
// Values the template takes from outside (stack parameters, secret values)
// come from Options. A value that cannot be resolved is an error naming the
// variable or property: nothing runs with a guessed configuration.
package template

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/cognitobridge/cognitobridge/test/localcognito"
)

// Defaults of Options.
const (
	DefaultRegion    = "us-east-1"
	DefaultAccountID = "123456789012" // moto's default account
	DefaultPartition = "aws"
)

// Options configures Load. Nil and zero mean the documented default.
type Options struct {
	// Region, AccountID and Partition of the local stack.
	// Default: DefaultRegion, DefaultAccountID, DefaultPartition.
	Region, AccountID, Partition string
	// StackName names the stack (AWS::StackName, and the seed of every
	// generated name and id).
	// Default: the template's file name without ".template.json".
	StackName string
	// PoolName is the part of the pool id after "<region>_".
	// Default: PoolName(StackName, pool logical id), or, for an imported
	// pool, the id the template names.
	PoolName string
	// Parameters are the stack parameters' values. A parameter without a
	// value takes its Default; one without either fails the load when it
	// is used. Values are never logged (NoEcho parameters hold secrets).
	Parameters map[string]string
	// SecretValues are SecretString values by the secret's logical id: they
	// resolve the identity providers' dynamic references
	// ({{resolve:secretsmanager:...}}). A provider whose secret has no
	// value here (and no SecretString the template resolves) gets an empty
	// ClientSecret and is listed in Pool.ProviderSecrets.
	SecretValues map[string]string
	// Overrides replace function environment variables by name, in every
	// function Load resolves (triggers and API functions) that has the
	// variable, after resolution (a variable with an override is not
	// resolved at all, so it may be unresolvable). Each override is written
	// to Log. An override no function has fails.
	Overrides map[string]string
	// Binaries names the handler binary (lambdas/cmd/<name>) of a function
	// by its logical id, for functions whose Description is not one of
	// cognitobridge's (prebuilt code).
	// Default: - recognized from the Description.
	Binaries map[string]string
	// Log receives one line per override.
	// Default: - discarded.
	Log io.Writer
}

// Pool is a loaded template: the pool a local endpoint runs (Config, whose
// Triggers the caller sets, e.g. to a lambdarun.Runner) and the functions
// and resources behind its triggers.
type Pool struct {
	Config localcognito.Config
	// StackName, Region, AccountID and Partition the names were derived with.
	StackName, Region, AccountID, Partition string
	// LogicalID is the pool's logical id; empty for an imported pool.
	LogicalID string
	// Imported: the template does not create the pool; its triggers are
	// attached through the pooltriggers custom resource (the pool's own
	// settings, not in the template, are left at their zero values).
	Imported bool
	// AliasAttributes ("email", "phone_number", "preferred_username") and
	// whether user names are case sensitive (UsernameConfiguration).
	AliasAttributes []string
	CaseSensitive   bool
	// ClientLogicalIDs maps each app client's logical id to its id.
	ClientLogicalIDs map[string]string
	// Triggers maps each slot to its function; one function may serve
	// several slots.
	Triggers map[localcognito.Slot]*Function
	// Functions holds every function of the template that runs one of
	// cognitobridge's handlers, by logical id: the trigger functions (the
	// same *Function as in Triggers) and the others (API functions:
	// authorizers, gates, backends, connect-*, proofing-*). Functions the
	// template has for CloudFormation itself (custom resource providers,
	// log retention) are not in it.
	Functions map[string]*Function
	// APIs are the template's AWS::ApiGatewayV2 HTTP APIs with their
	// stages, routes, integrations and authorizers.
	APIs []*API
	// Tables, Secrets and SSMParameters are every such resource of the
	// template, for a runner to create before starting functions.
	Tables        []Table
	Secrets       []Secret
	SSMParameters []SSMParameter
	// ProviderSecrets are the identity providers' client secrets that are
	// dynamic references, with whether Load could fill them.
	ProviderSecrets []ProviderSecret
}

// Function is one trigger function as the template configures it.
type Function struct {
	LogicalID   string
	Description string
	// Name and ARN the function has in the local stack (FunctionName, or
	// <stack>-<logical id>).
	Name, ARN string
	// Binary is the handler's lambdas/cmd/<Binary> package name.
	Binary        string
	Handler       string // "bootstrap"
	Runtime       string // "provided.al2023"
	Architectures []string
	// Timeout and MemorySize as configured (Lambda's defaults: 3 s, 128 MB).
	Timeout    time.Duration
	MemorySize int
	// Environment holds the resolved variables, overrides applied.
	Environment map[string]string
	// Overridden lists the variables Options.Overrides replaced.
	Overridden []string
}

// Table is a DynamoDB table of the template.
type Table struct {
	LogicalID, Name string
	// Key schema: the partition key and, when set, the sort key, with their
	// attribute types ("S", "N", "B").
	PartitionKey, PartitionKeyType string
	SortKey, SortKeyType           string
	// TTLAttribute is the time-to-live attribute, if enabled.
	TTLAttribute string
}

// Secret is a Secrets Manager secret of the template.
type Secret struct {
	LogicalID, Name string
	// ARN is a partial ARN (no random suffix), which Secrets Manager and
	// moto accept wherever a secret id is expected.
	ARN         string
	Description string
	// Value is the SecretString the template gives, when it resolves with
	// Options.Parameters (it then holds parameter values: never log it).
	Value string
	// HasValue: Value is set (it may legitimately be empty).
	HasValue bool
	// Generate is set for a GenerateSecretString secret.
	Generate *Generate
}

// Generate is a secret's GenerateSecretString.
type Generate struct {
	Length             int // default 32
	ExcludePunctuation bool
	ExcludeCharacters  string
}

// SSMParameter is an AWS::SSM::Parameter of the template.
type SSMParameter struct {
	LogicalID, Name, Type, Value string
}

// ProviderSecret is an identity provider's client secret taken from a
// secret by dynamic reference.
type ProviderSecret struct {
	Provider        string // ProviderName
	SecretLogicalID string
	JSONKey         string // "" for the whole SecretString
	Resolved        bool   // the provider's ClientSecret was filled
}

// Binary names of lambdas/cmd, recognized from the start of a function's
// Description (the constructs set it; see constructs/*/ and
// constructs/internal/gofn). Longer prefixes first.
var descriptionBinaries = []struct{ prefix, binary string }{
	{"cognitobridge step-up Define auth challenge", "stepup-define"},
	{"cognitobridge step-up Create auth challenge", "stepup-create"},
	{"cognitobridge step-up Verify auth challenge response", "stepup-verify"},
	{"cognitobridge step-up gate", "transaction-gate"},
	{"cognitobridge pre token generation", "pretokengen"},
	{"cognitobridge pre sign-up", "presignup"},
	{"cognitobridge proofing: session", "proofing-session"},
	{"cognitobridge proofing: signed provider callback", "proofing-callback"},
	{"cognitobridge connect: the provider's authorize URL", "connect-start"},
	{"cognitobridge connect: verifies the provider login", "connect-callback"},
	{"cognitobridge connect: removes", "connect-disconnect"},
	{"cognitobridge transaction authorizer", "transaction-authorizer"},
	{"cognitobridge transaction step-up authorizer", "transaction-authorizer"},
	{"cognitobridge sample backend", "transaction-echo"},
	{"cognitobridge sample Go backend", "transaction-transfers"},
	{"cognitobridge pool triggers", "pool-triggers"},
}

// BinaryFromDescription returns the lambdas/cmd binary a function with this
// Description runs, or "".
func BinaryFromDescription(desc string) string {
	for _, d := range descriptionBinaries {
		if strings.HasPrefix(desc, d.prefix) {
			return d.binary
		}
	}
	return ""
}

// slotBinaries are the binaries that implement each slot; a recognized
// binary in another slot is a template this package misreads.
var slotBinaries = map[localcognito.Slot][]string{
	localcognito.SlotDefineAuthChallenge: {"stepup-define"},
	localcognito.SlotCreateAuthChallenge: {"stepup-create"},
	localcognito.SlotVerifyAuthChallenge: {"stepup-verify"},
	localcognito.SlotPreTokenGeneration:  {"pretokengen"},
	localcognito.SlotPreSignUp:           {"presignup"},
}

// lambdaConfigSlots are the LambdaConfig keys that name a function by ARN.
var lambdaConfigSlots = []localcognito.Slot{
	localcognito.SlotPreSignUp, localcognito.SlotPostConfirmation,
	localcognito.SlotPreAuthentication, localcognito.SlotPostAuthentication,
	localcognito.SlotDefineAuthChallenge, localcognito.SlotCreateAuthChallenge,
	localcognito.SlotVerifyAuthChallenge, localcognito.SlotPreTokenGeneration,
	localcognito.SlotUserMigration, "CustomMessage",
}

// standardAttributes are Cognito's standard attributes (not custom:).
var standardAttributes = []string{
	"address", "birthdate", "email", "email_verified", "family_name", "gender",
	"given_name", "locale", "middle_name", "name", "nickname", "phone_number",
	"phone_number_verified", "picture", "preferred_username", "profile", "sub",
	"updated_at", "website", "zoneinfo",
}

// Load reads the template at path.
func Load(path string, opts Options) (*Pool, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if opts.StackName == "" {
		opts.StackName = strings.TrimSuffix(strings.TrimSuffix(filepath.Base(path), ".json"), ".template")
	}
	return Parse(raw, opts)
}

// Parse reads a template from its JSON.
func Parse(raw []byte, opts Options) (*Pool, error) {
	var doc struct {
		Parameters map[string]parameter `json:"Parameters"`
		Resources  map[string]resource  `json:"Resources"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("template: %w", err)
	}
	if opts.Region == "" {
		opts.Region = DefaultRegion
	}
	if opts.AccountID == "" {
		opts.AccountID = DefaultAccountID
	}
	if opts.Partition == "" {
		opts.Partition = DefaultPartition
	}
	if opts.StackName == "" {
		opts.StackName = "CognitoBridgeLocal"
	}
	r := &resolver{
		region: opts.Region, account: opts.AccountID, partition: opts.Partition, stack: opts.StackName,
		params: doc.Parameters, paramValues: opts.Parameters, resources: doc.Resources,
	}
	p := &Pool{
		StackName: opts.StackName, Region: opts.Region, AccountID: opts.AccountID, Partition: opts.Partition,
		ClientLogicalIDs: map[string]string{},
		Triggers:         map[localcognito.Slot]*Function{},
		Functions:        map[string]*Function{},
	}

	// The pool: created by the template, or imported with its triggers
	// attached by the pooltriggers custom resource.
	pools := idsOfType(doc.Resources, "AWS::Cognito::UserPool")
	customs := idsOfType(doc.Resources, "Custom::CognitoPoolTriggers")
	slotFns := map[localcognito.Slot]string{}
	switch {
	case len(pools) == 1 && len(customs) == 0:
		p.LogicalID = pools[0]
		r.poolName = opts.PoolName
		if r.poolName == "" {
			r.poolName = PoolName(opts.StackName, p.LogicalID)
		}
		if err := p.readPool(r, doc.Resources[p.LogicalID].Properties, slotFns); err != nil {
			return nil, fmt.Errorf("template: user pool %s: %w", p.LogicalID, err)
		}
	case len(pools) == 0 && len(customs) == 1:
		p.Imported = true
		props := doc.Resources[customs[0]].Properties
		id, err := r.str(props["UserPoolId"])
		if err != nil {
			return nil, fmt.Errorf("template: %s UserPoolId: %w", customs[0], err)
		}
		region, name, ok := strings.Cut(id, "_")
		if !ok || region == "" || name == "" {
			return nil, fmt.Errorf("template: %s: UserPoolId %q is not <region>_<name>", customs[0], id)
		}
		if region != opts.Region {
			return nil, fmt.Errorf("template: imported pool %s is in %s, the stack in %s", id, region, opts.Region)
		}
		r.poolName = name
		if opts.PoolName != "" {
			r.poolName = opts.PoolName
		}
		if err := p.readCustomTriggers(props, slotFns); err != nil {
			return nil, fmt.Errorf("template: %s: %w", customs[0], err)
		}
	case len(pools) == 0 && len(customs) == 0:
		return nil, errors.New("template: no AWS::Cognito::UserPool and no Custom::CognitoPoolTriggers resource")
	default:
		return nil, fmt.Errorf("template: %d user pools and %d pool trigger resources: exactly one pool is supported", len(pools), len(customs))
	}
	p.Config.Region = opts.Region
	p.Config.PoolID = r.poolID()

	// Identity providers, then clients (which may Ref a provider).
	for _, id := range idsOfType(doc.Resources, "AWS::Cognito::UserPoolIdentityProvider") {
		idp, err := p.readProvider(r, id, doc.Resources[id].Properties, opts.SecretValues)
		if err != nil {
			return nil, fmt.Errorf("template: identity provider %s: %w", id, err)
		}
		p.Config.IdentityProviders = append(p.Config.IdentityProviders, idp)
	}
	for _, id := range idsOfType(doc.Resources, "AWS::Cognito::UserPoolClient") {
		c, err := readClient(r, id, doc.Resources[id].Properties)
		if err != nil {
			return nil, fmt.Errorf("template: app client %s: %w", id, err)
		}
		p.ClientLogicalIDs[id] = c.ID
		p.Config.Clients = append(p.Config.Clients, c)
	}

	// Resources the functions use.
	for _, id := range idsOfType(doc.Resources, "AWS::DynamoDB::Table") {
		t, err := readTable(r, id, doc.Resources[id])
		if err != nil {
			return nil, fmt.Errorf("template: table %s: %w", id, err)
		}
		p.Tables = append(p.Tables, t)
	}
	for _, id := range idsOfType(doc.Resources, "AWS::SecretsManager::Secret") {
		p.Secrets = append(p.Secrets, readSecret(r, id, doc.Resources[id]))
	}
	for _, id := range idsOfType(doc.Resources, "AWS::SSM::Parameter") {
		props := doc.Resources[id].Properties
		name, err := r.ssmName(id, doc.Resources[id])
		if err != nil {
			return nil, fmt.Errorf("template: SSM parameter %s Name: %w", id, err)
		}
		typ, err := r.str(props["Type"])
		if err != nil {
			return nil, fmt.Errorf("template: SSM parameter %s Type: %w", id, err)
		}
		val, err := r.str(props["Value"])
		if err != nil {
			return nil, fmt.Errorf("template: SSM parameter %s Value: %w", id, err)
		}
		p.SSMParameters = append(p.SSMParameters, SSMParameter{LogicalID: id, Name: name, Type: typ, Value: val})
	}
	// Fill provider secrets from template-resolved secret values too.
	for i, ps := range p.ProviderSecrets {
		if ps.Resolved {
			continue
		}
		for _, s := range p.Secrets {
			if s.LogicalID == ps.SecretLogicalID && s.HasValue {
				if v, err := secretField(s.Value, ps.JSONKey); err == nil {
					p.setProviderSecret(ps.Provider, v)
					p.ProviderSecrets[i].Resolved = true
				}
			}
		}
	}

	// Trigger functions.
	fns := map[string]*Function{}
	used := map[string]bool{}
	for _, slot := range sortedKeys(slotFns) {
		id := slotFns[slot]
		fn, ok := fns[id]
		if !ok {
			res, ok := doc.Resources[id]
			if !ok || res.Type != "AWS::Lambda::Function" {
				return nil, fmt.Errorf("template: trigger %s names %s, not a function of the template", slot, id)
			}
			var err error
			fn, err = readFunction(r, id, res.Properties, opts, used)
			if err != nil {
				return nil, fmt.Errorf("template: trigger %s: %w", slot, err)
			}
			fns[id] = fn
		}
		if want, ok := slotBinaries[slot]; ok && !slices.Contains(want, fn.Binary) {
			return nil, fmt.Errorf("template: trigger %s: function %s runs %s, expected one of %v", slot, id, fn.Binary, want)
		}
		p.Triggers[slot] = fn
	}
	for id, fn := range fns {
		p.Functions[id] = fn
	}
	// The other functions: every function whose handler is one of
	// cognitobridge's (by Description or Options.Binaries).
	for _, id := range idsOfType(doc.Resources, "AWS::Lambda::Function") {
		if _, ok := p.Functions[id]; ok {
			continue
		}
		props := doc.Resources[id].Properties
		desc, _ := props["Description"].(string)
		if opts.Binaries[id] == "" && (BinaryFromDescription(desc) == "" || BinaryFromDescription(desc) == "pool-triggers") {
			continue // CloudFormation's own helpers (custom resources, log retention)
		}
		fn, err := readFunction(r, id, props, opts, used)
		if err != nil {
			return nil, fmt.Errorf("template: %w", err)
		}
		p.Functions[id] = fn
	}
	if err := p.readAPIs(r, doc.Resources); err != nil {
		return nil, err
	}
	for _, name := range sortedKeys(opts.Overrides) {
		if !used[name] {
			return nil, fmt.Errorf("template: override %s: no function has this variable", name)
		}
	}
	return p, nil
}

func idsOfType(res map[string]resource, typ string) []string {
	var out []string
	for _, id := range sortedKeys(res) {
		if res[id].Type == typ {
			out = append(out, id)
		}
	}
	return out
}

func (p *Pool) readPool(r *resolver, props map[string]any, slotFns map[localcognito.Slot]string) error {
	var err error
	if p.Config.UsernameAttributes, err = r.strList(props["UsernameAttributes"]); err != nil {
		return fmt.Errorf("UsernameAttributes: %w", err)
	}
	if p.AliasAttributes, err = r.strList(props["AliasAttributes"]); err != nil {
		return fmt.Errorf("AliasAttributes: %w", err)
	}
	if p.Config.AutoVerifiedAttributes, err = r.strList(props["AutoVerifiedAttributes"]); err != nil {
		return fmt.Errorf("AutoVerifiedAttributes: %w", err)
	}
	// MFA: the endpoint runs TOTP MFA as Cognito does and refuses a factor
	// it does not implement (localcognito.CheckMFAConfig).
	if v, ok := props["MfaConfiguration"]; ok {
		if p.Config.MfaConfiguration, err = r.str(v); err != nil {
			return fmt.Errorf("MfaConfiguration: %w", err)
		}
	}
	if p.Config.EnabledMfas, err = r.strList(props["EnabledMfas"]); err != nil {
		return fmt.Errorf("EnabledMfas: %w", err)
	}
	if err := localcognito.CheckMFAConfig(p.Config.MfaConfiguration, p.Config.EnabledMfas); err != nil {
		return err
	}
	if uc, ok := props["UsernameConfiguration"].(map[string]any); ok {
		p.CaseSensitive, _ = uc["CaseSensitive"].(bool)
	} else {
		// DOCUMENTED: without UsernameConfiguration CloudFormation creates
		// a case-sensitive pool.
		p.CaseSensitive = true
	}
	p.Config.UsernameCaseInsensitive = !p.CaseSensitive
	p.Config.AliasAttributes = slices.Clone(p.AliasAttributes)
	if err := p.readAccountSettings(r, props); err != nil {
		return err
	}
	if schema, ok := props["Schema"].([]any); ok {
		for i, e := range schema {
			a, ok := e.(map[string]any)
			if !ok {
				return fmt.Errorf("property Schema[%d] is not an object", i)
			}
			name, _ := a["Name"].(string)
			if req, _ := a["Required"].(bool); req && name != "" {
				p.Config.RequiredAttributes = append(p.Config.RequiredAttributes, name)
			}
			if name == "" || slices.Contains(standardAttributes, name) {
				continue
			}
			if p.Config.CustomAttributes == nil {
				p.Config.CustomAttributes = map[string]bool{}
			}
			mutable := true // CDK always writes Mutable; absent is taken as mutable
			if m, ok := a["Mutable"].(bool); ok {
				mutable = m
			}
			p.Config.CustomAttributes[strings.TrimPrefix(name, "custom:")] = mutable
		}
	}
	lc, _ := props["LambdaConfig"].(map[string]any)
	for _, key := range sortedKeys(lc) {
		v := lc[key]
		switch key {
		case "PreTokenGenerationConfig":
			cfg, ok := v.(map[string]any)
			if !ok {
				return errors.New("LambdaConfig.PreTokenGenerationConfig is not an object")
			}
			id, err := functionOfArn(cfg["LambdaArn"])
			if err != nil {
				return fmt.Errorf("LambdaConfig.PreTokenGenerationConfig.LambdaArn: %w", err)
			}
			if prev, ok := slotFns[localcognito.SlotPreTokenGeneration]; ok && prev != id {
				return fmt.Errorf("LambdaConfig: PreTokenGeneration %s and PreTokenGenerationConfig %s differ", prev, id)
			}
			slotFns[localcognito.SlotPreTokenGeneration] = id
			if ver, ok := cfg["LambdaVersion"].(string); ok {
				p.Config.PreTokenGenerationVersion = ver
			}
		case "KMSKeyID":
		case "CustomSMSSender", "CustomEmailSender":
			return fmt.Errorf("LambdaConfig.%s: custom sender triggers are not supported locally", key)
		default:
			if !slices.Contains(lambdaConfigSlots, localcognito.Slot(key)) {
				return fmt.Errorf("LambdaConfig.%s: unknown trigger", key)
			}
			id, err := functionOfArn(v)
			if err != nil {
				return fmt.Errorf("LambdaConfig.%s: %w", key, err)
			}
			if prev, ok := slotFns[localcognito.Slot(key)]; ok && prev != id {
				return fmt.Errorf("LambdaConfig: PreTokenGeneration %s and PreTokenGenerationConfig %s differ", id, prev)
			}
			slotFns[localcognito.Slot(key)] = id
		}
	}
	if _, ok := slotFns[localcognito.SlotPreTokenGeneration]; ok && p.Config.PreTokenGenerationVersion == "" {
		p.Config.PreTokenGenerationVersion = "V1_0"
	}
	return nil
}

func (p *Pool) readCustomTriggers(props map[string]any, slotFns map[localcognito.Slot]string) error {
	list, ok := props["Triggers"].([]any)
	if !ok {
		return errors.New("property Triggers is not a list")
	}
	for i, e := range list {
		t, ok := e.(map[string]any)
		if !ok {
			return fmt.Errorf("property Triggers[%d] is not an object", i)
		}
		op, _ := t["Operation"].(string)
		if !slices.Contains(lambdaConfigSlots, localcognito.Slot(op)) {
			return fmt.Errorf("property Triggers[%d]: unsupported Operation %q", i, op)
		}
		id, err := functionOfArn(t["LambdaArn"])
		if err != nil {
			return fmt.Errorf("property Triggers[%d] (%s) LambdaArn: %w", i, op, err)
		}
		slotFns[localcognito.Slot(op)] = id
		if op == string(localcognito.SlotPreTokenGeneration) {
			p.Config.PreTokenGenerationVersion = "V1_0"
			if v, ok := t["LambdaVersion"].(string); ok && v != "" {
				p.Config.PreTokenGenerationVersion = v
			}
		}
	}
	return nil
}

// functionOfArn returns the logical id of {"Fn::GetAtt": [id, "Arn"]}.
func functionOfArn(v any) (string, error) {
	m, ok := v.(map[string]any)
	if ok && len(m) == 1 {
		if arg, ok := m["Fn::GetAtt"]; ok {
			res, attr, err := getAttArgs(arg)
			if err == nil && attr == "Arn" {
				return res, nil
			}
		}
	}
	return "", unresolvable("expected {\"Fn::GetAtt\": [<function>, \"Arn\"]}, got %v", v)
}

var dynamicRef = regexp.MustCompile(`^\{\{resolve:secretsmanager:(.+?):SecretString:([^:]*)(?::[^:]*(?::[^:]*)?)?\}\}$`)

func (p *Pool) readProvider(r *resolver, id string, props map[string]any, secretValues map[string]string) (localcognito.IdentityProvider, error) {
	var idp localcognito.IdentityProvider
	var err error
	if idp.Name, err = r.str(props["ProviderName"]); err != nil {
		return idp, fmt.Errorf("ProviderName: %w", err)
	}
	if idp.Type, err = r.str(props["ProviderType"]); err != nil {
		return idp, fmt.Errorf("ProviderType: %w", err)
	}
	details, _ := props["ProviderDetails"].(map[string]any)
	fields := map[string]*string{
		"oidc_issuer": &idp.Issuer, "client_id": &idp.ClientID, "authorize_scopes": &idp.AuthorizeScopes,
		"authorize_url": &idp.AuthorizeURL, "token_url": &idp.TokenURL, "attributes_url": &idp.UserInfoURL,
		"jwks_uri": &idp.JWKSURL,
	}
	for _, k := range sortedKeys(details) {
		if k == "client_secret" {
			continue
		}
		dst, ok := fields[k]
		if !ok {
			continue // attributes_request_method, attributes_url_add_attributes, ...
		}
		if *dst, err = r.str(details[k]); err != nil {
			return idp, fmt.Errorf("ProviderDetails.%s: %w", k, err)
		}
	}
	if cs, ok := details["client_secret"]; ok {
		// A dynamic reference: resolve the secret's Ref structurally, never
		// printing the value.
		s, err := r.str(cs)
		if err != nil {
			return idp, fmt.Errorf("ProviderDetails.client_secret: %w", err)
		}
		if m := dynamicRef.FindStringSubmatch(s); m != nil {
			secretID := ""
			for _, sid := range idsOfType(r.resources, "AWS::SecretsManager::Secret") {
				if m[1] == r.secretARN(sid, r.resources[sid]) || m[1] == r.secretName(sid, r.resources[sid]) {
					secretID = sid
				}
			}
			if secretID == "" {
				return idp, fmt.Errorf("ProviderDetails.client_secret: a dynamic reference to a secret outside the template")
			}
			ref := ProviderSecret{Provider: idp.Name, SecretLogicalID: secretID, JSONKey: m[2]}
			if v, ok := secretValues[secretID]; ok {
				val, err := secretField(v, m[2])
				if err != nil {
					return idp, fmt.Errorf("ProviderDetails.client_secret: Options.SecretValues[%s]: %w", secretID, err)
				}
				idp.ClientSecret, ref.Resolved = val, true
			}
			p.ProviderSecrets = append(p.ProviderSecrets, ref)
		} else if strings.Contains(s, "{{resolve:") {
			return idp, errors.New("ProviderDetails.client_secret: an unsupported dynamic reference")
		} else {
			idp.ClientSecret = s
		}
	}
	if am, ok := props["AttributeMapping"].(map[string]any); ok {
		idp.AttributeMapping = map[string]string{}
		for _, k := range sortedKeys(am) {
			if idp.AttributeMapping[k], err = r.str(am[k]); err != nil {
				return idp, fmt.Errorf("AttributeMapping.%s: %w", k, err)
			}
		}
	}
	return idp, nil
}

func (p *Pool) setProviderSecret(provider, value string) {
	for i := range p.Config.IdentityProviders {
		if p.Config.IdentityProviders[i].Name == provider {
			p.Config.IdentityProviders[i].ClientSecret = value
		}
	}
}

// secretField returns key of the JSON object value, or value for key "".
func secretField(value, key string) (string, error) {
	if key == "" {
		return value, nil
	}
	var obj map[string]any
	if err := json.Unmarshal([]byte(value), &obj); err != nil {
		return "", errors.New("the secret value is not a JSON object")
	}
	s, ok := obj[key].(string)
	if !ok {
		return "", fmt.Errorf("the secret value has no string field %q", key)
	}
	return s, nil
}

func readClient(r *resolver, id string, props map[string]any) (localcognito.Client, error) {
	c := localcognito.Client{ID: ClientID(r.stack, id)}
	var err error
	if v, ok := props["ClientName"]; ok {
		if c.Name, err = r.str(v); err != nil {
			return c, fmt.Errorf("ClientName: %w", err)
		}
	} else {
		c.Name = id
	}
	lists := []struct {
		key string
		dst *[]string
	}{
		{"ExplicitAuthFlows", &c.ExplicitAuthFlows},
		{"ReadAttributes", &c.ReadAttributes},
		{"WriteAttributes", &c.WriteAttributes},
		{"CallbackURLs", &c.CallbackURLs},
		{"LogoutURLs", &c.LogoutURLs},
		{"SupportedIdentityProviders", &c.SupportedIdentityProviders},
		{"AllowedOAuthFlows", &c.AllowedOAuthFlows},
		{"AllowedOAuthScopes", &c.AllowedOAuthScopes},
	}
	for _, l := range lists {
		if *l.dst, err = r.strList(props[l.key]); err != nil {
			return c, fmt.Errorf("%s: %w", l.key, err)
		}
	}
	c.GenerateSecret, _ = props["GenerateSecret"].(bool)
	if v, ok := props["PreventUserExistenceErrors"]; ok {
		// localcognito.New refuses a value other than ENABLED and LEGACY.
		if c.PreventUserExistenceErrors, err = r.str(v); err != nil {
			return c, fmt.Errorf("PreventUserExistenceErrors: %w", err)
		}
	}
	units, _ := props["TokenValidityUnits"].(map[string]any)
	validity := []struct {
		key, unitKey, defUnit string
		dst                   *int
	}{
		// DOCUMENTED (CloudFormation AWS::Cognito::UserPoolClient): access
		// and ID token validities default to hours, refresh to days.
		{"AccessTokenValidity", "AccessToken", "hours", &c.AccessTokenValidity},
		{"IdTokenValidity", "IdToken", "hours", &c.IDTokenValidity},
		{"RefreshTokenValidity", "RefreshToken", "days", &c.RefreshTokenValidity},
	}
	for _, v := range validity {
		raw, ok := props[v.key]
		if !ok {
			continue
		}
		n, ok := raw.(float64)
		if !ok {
			return c, fmt.Errorf("%s is not a number", v.key)
		}
		unit := v.defUnit
		if u, ok := units[v.unitKey].(string); ok {
			unit = u
		}
		mult := map[string]int{"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}[unit]
		if mult == 0 {
			return c, fmt.Errorf("TokenValidityUnits.%s: unknown unit %q", v.unitKey, unit)
		}
		*v.dst = int(n) * mult
	}
	if err := readSessionSettings(r, props, &c); err != nil {
		return c, err
	}
	return c, nil
}

// readSessionSettings reads the client's AuthSessionValidity (minutes),
// EnableTokenRevocation and RefreshTokenRotation; localcognito.New checks
// their ranges.
func readSessionSettings(r *resolver, props map[string]any, c *localcognito.Client) error {
	if raw, ok := props["AuthSessionValidity"]; ok {
		n, ok := raw.(float64)
		if !ok || n != float64(int(n)) {
			return errors.New("AuthSessionValidity is not a whole number")
		}
		c.AuthSessionValidity = int(n)
	}
	if raw, ok := props["EnableTokenRevocation"]; ok {
		b, ok := raw.(bool)
		if !ok {
			return errors.New("EnableTokenRevocation is not a boolean")
		}
		c.EnableTokenRevocation = &b
	}
	if raw, ok := props["RefreshTokenRotation"]; ok {
		m, ok := raw.(map[string]any)
		if !ok {
			return errors.New("RefreshTokenRotation is not an object")
		}
		if v, ok := m["Feature"]; ok {
			f, err := r.str(v)
			if err != nil {
				return fmt.Errorf("RefreshTokenRotation.Feature: %w", err)
			}
			c.RefreshTokenRotation = f
		}
		if v, ok := m["RetryGracePeriodSeconds"]; ok {
			n, ok := v.(float64)
			if !ok || n != float64(int(n)) {
				return errors.New("RefreshTokenRotation.RetryGracePeriodSeconds is not a whole number")
			}
			c.RetryGracePeriodSeconds = int(n)
		}
	}
	return nil
}

func readTable(r *resolver, id string, res resource) (Table, error) {
	t := Table{LogicalID: id, Name: r.tableName(id, res)}
	types := map[string]string{}
	defs, _ := res.Properties["AttributeDefinitions"].([]any)
	for _, d := range defs {
		m, _ := d.(map[string]any)
		n, _ := m["AttributeName"].(string)
		typ, _ := m["AttributeType"].(string)
		types[n] = typ
	}
	keys, _ := res.Properties["KeySchema"].([]any)
	for _, k := range keys {
		m, _ := k.(map[string]any)
		n, _ := m["AttributeName"].(string)
		switch m["KeyType"] {
		case "HASH":
			t.PartitionKey, t.PartitionKeyType = n, types[n]
		case "RANGE":
			t.SortKey, t.SortKeyType = n, types[n]
		}
	}
	if t.PartitionKey == "" || t.PartitionKeyType == "" {
		return t, errors.New("no partition key with an attribute definition")
	}
	if t.SortKey != "" && t.SortKeyType == "" {
		return t, fmt.Errorf("sort key %s has no attribute definition", t.SortKey)
	}
	if ttl, ok := res.Properties["TimeToLiveSpecification"].(map[string]any); ok {
		if on, _ := ttl["Enabled"].(bool); on {
			t.TTLAttribute, _ = ttl["AttributeName"].(string)
		}
	}
	return t, nil
}

func readSecret(r *resolver, id string, res resource) Secret {
	s := Secret{LogicalID: id, Name: r.secretName(id, res), ARN: r.secretARN(id, res)}
	s.Description, _ = res.Properties["Description"].(string)
	if v, ok := res.Properties["SecretString"]; ok {
		if val, err := r.str(v); err == nil {
			s.Value, s.HasValue = val, true
		}
	}
	if g, ok := res.Properties["GenerateSecretString"].(map[string]any); ok {
		s.Generate = &Generate{Length: 32}
		if n, ok := g["PasswordLength"].(float64); ok {
			s.Generate.Length = int(n)
		}
		s.Generate.ExcludePunctuation, _ = g["ExcludePunctuation"].(bool)
		s.Generate.ExcludeCharacters, _ = g["ExcludeCharacters"].(string)
	}
	return s
}

func readFunction(r *resolver, id string, props map[string]any, opts Options, used map[string]bool) (*Function, error) {
	fn := &Function{LogicalID: id, Environment: map[string]string{}}
	fn.Name = r.functionName(id, resource{Type: "AWS::Lambda::Function", Properties: props})
	fn.ARN, _ = r.getAtt(id, "Arn")
	fn.Description, _ = props["Description"].(string)
	fn.Handler, _ = props["Handler"].(string)
	fn.Runtime, _ = props["Runtime"].(string)
	if fn.Handler != "bootstrap" || !strings.HasPrefix(fn.Runtime, "provided.") {
		return nil, fmt.Errorf("function %s: Handler %q Runtime %q: only provided.* runtimes with the executable bootstrap run locally", id, fn.Handler, fn.Runtime)
	}
	if a, err := r.strList(props["Architectures"]); err == nil {
		fn.Architectures = a
	}
	fn.Binary = opts.Binaries[id]
	if fn.Binary == "" {
		fn.Binary = BinaryFromDescription(fn.Description)
	}
	if fn.Binary == "" {
		return nil, fmt.Errorf("function %s: Description %q names no cognitobridge handler (set Options.Binaries[%q])", id, fn.Description, id)
	}
	fn.Timeout = 3 * time.Second // DOCUMENTED: Lambda's default timeout
	if t, ok := props["Timeout"].(float64); ok {
		fn.Timeout = time.Duration(t) * time.Second
	}
	fn.MemorySize = 128
	if m, ok := props["MemorySize"].(float64); ok {
		fn.MemorySize = int(m)
	}
	env, _ := props["Environment"].(map[string]any)
	vars, _ := env["Variables"].(map[string]any)
	for _, k := range sortedKeys(vars) {
		if v, ok := opts.Overrides[k]; ok {
			fn.Environment[k] = v
			fn.Overridden = append(fn.Overridden, k)
			used[k] = true
			if opts.Log != nil {
				fmt.Fprintf(opts.Log, "template: function %s (%s): %s overridden: %s\n", id, fn.Binary, k, v)
			}
			continue
		}
		s, err := r.str(vars[k])
		if err != nil {
			return nil, fmt.Errorf("function %s (%s), variable %s: %w", id, fn.Binary, k, err)
		}
		if strings.Contains(s, "{{resolve:") {
			return nil, fmt.Errorf("function %s (%s), variable %s: a dynamic reference in an environment variable (secrets never go there)", id, fn.Binary, k)
		}
		fn.Environment[k] = s
	}
	return fn, nil
}

// readAccountSettings reads the pool settings of sign-up and accounts into
// Config: the password policy, AdminCreateUserConfig, UserAttributeUpdate-
// Settings and AccountRecoverySetting. localcognito.New refuses the values
// it cannot honour, naming them; a property this package cannot read (an
// unresolved intrinsic, an unknown policy field) fails here.
func (p *Pool) readAccountSettings(r *resolver, props map[string]any) error {
	// ASSUMED (the console's default policy, which CloudFormation's
	// documentation does not state for an absent Policies): at least 8
	// characters with upper case, lower case, a number and a symbol.
	pp := &localcognito.PasswordPolicy{MinimumLength: 8, RequireUppercase: true, RequireLowercase: true, RequireNumbers: true, RequireSymbols: true, TemporaryPasswordValidityDays: 7}
	if pol, ok := props["Policies"].(map[string]any); ok {
		if raw, ok := pol["PasswordPolicy"]; ok {
			m, ok := raw.(map[string]any)
			if !ok {
				return errors.New("Policies.PasswordPolicy is not an object")
			}
			*pp = localcognito.PasswordPolicy{MinimumLength: 8, TemporaryPasswordValidityDays: 7}
			for _, k := range sortedKeys(m) {
				v := m[k]
				bools := map[string]*bool{"RequireUppercase": &pp.RequireUppercase, "RequireLowercase": &pp.RequireLowercase, "RequireNumbers": &pp.RequireNumbers, "RequireSymbols": &pp.RequireSymbols}
				ints := map[string]*int{"MinimumLength": &pp.MinimumLength, "TemporaryPasswordValidityDays": &pp.TemporaryPasswordValidityDays, "PasswordHistorySize": &pp.PasswordHistorySize}
				switch {
				case bools[k] != nil:
					b, ok := v.(bool)
					if !ok {
						return fmt.Errorf("Policies.PasswordPolicy.%s is not a boolean", k)
					}
					*bools[k] = b
				case ints[k] != nil:
					n, ok := v.(float64)
					if !ok {
						return fmt.Errorf("Policies.PasswordPolicy.%s is not a number", k)
					}
					*ints[k] = int(n)
				default:
					return fmt.Errorf("Policies.PasswordPolicy.%s: not supported locally", k)
				}
			}
		}
	}
	p.Config.PasswordPolicy = pp
	if ac, ok := props["AdminCreateUserConfig"].(map[string]any); ok {
		if v, ok := ac["AllowAdminCreateUserOnly"]; ok {
			b, ok := v.(bool)
			if !ok {
				return errors.New("AdminCreateUserConfig.AllowAdminCreateUserOnly is not a boolean")
			}
			p.Config.AllowAdminCreateUserOnly = b
		}
	}
	if us, ok := props["UserAttributeUpdateSettings"].(map[string]any); ok {
		var err error
		if p.Config.AttributesRequireVerificationBeforeUpdate, err = r.strList(us["AttributesRequireVerificationBeforeUpdate"]); err != nil {
			return fmt.Errorf("UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate: %w", err)
		}
	}
	if ar, ok := props["AccountRecoverySetting"].(map[string]any); ok {
		list, _ := ar["RecoveryMechanisms"].([]any)
		type mech struct {
			name     string
			priority float64
		}
		var ms []mech
		for i, e := range list {
			m, _ := e.(map[string]any)
			name, ok1 := m["Name"].(string)
			prio, ok2 := m["Priority"].(float64)
			if !ok1 || !ok2 {
				return fmt.Errorf("AccountRecoverySetting.RecoveryMechanisms[%d] has no Name and Priority", i)
			}
			ms = append(ms, mech{name, prio})
		}
		slices.SortStableFunc(ms, func(a, b mech) int { return int(a.priority - b.priority) })
		for _, m := range ms {
			p.Config.AccountRecovery = append(p.Config.AccountRecovery, m.name)
		}
	}
	return nil
}

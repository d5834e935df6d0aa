package stepup

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/cognitobridge/cognitobridge/constructs/internal/propcheck"
	"github.com/cognitobridge/cognitobridge/constructs/pooltriggers"
)

// Ids of the warnings this construct adds (acknowledge one with
// awscdk.Annotations_Of(stepUp).AcknowledgeWarning(id, reason)).
const (
	// WarningUncheckedClient: a protected client whose auth flows, secret
	// or OAuth setting the construct cannot read at synth (imported by id,
	// or given as tokens).
	WarningUncheckedClient = "@cognitobridge/stepup:uncheckedProtectedClient"
	// WarningKeepOriginalEmail: a pool you bring keeps no original email
	// until a change is verified.
	WarningKeepOriginalEmail = "@cognitobridge/stepup:keepOriginalEmail"
)

// steppedPools maps an app (its root) and a pool key to the path of the
// StepUp already on that pool.
var (
	steppedMu    sync.Mutex
	steppedPools = map[constructs.IConstruct]map[string]string{}
)

// poolKey identifies a pool within one app: by its id when it is a plain
// string (two imports of one pool are one pool), by its construct otherwise.
func poolKey(pool awscognito.IUserPool) string {
	if id := pool.UserPoolId(); id != nil && !propcheck.IsToken(id) {
		return "id|" + *id
	}
	return "node|" + *pool.Node().Addr()
}

// claimPool records the StepUp at path on pool, or says which StepUp is
// already there: one step-up per pool (Cognito runs one custom
// authentication flow and one pre token generation function per pool).
func claimPool(pool awscognito.IUserPool, path string) error {
	root := pool.Node().Root()
	key := poolKey(pool)
	steppedMu.Lock()
	defer steppedMu.Unlock()
	if first, ok := steppedPools[root][key]; ok {
		return fmt.Errorf("expected one StepUp per user pool (Cognito runs one custom authentication flow per pool), received a second, %s, on the pool %s of %s: "+
			"protect more app clients with the first StepUp's ProtectedClients", path, *pool.Node().Path(), first)
	}
	if steppedPools[root] == nil {
		steppedPools[root] = map[string]string{}
	}
	steppedPools[root][key] = path
	return nil
}

// checkPool checks a pool the user brings (props.UserPool) against what
// the step-up needs; it runs before anything is created. Warnings go on
// scope.
func (p *StepUpProps) checkPool(scope constructs.Construct, path string) error {
	pool := p.UserPool
	if pool == nil {
		return nil
	}
	if err := pooltriggers.CheckRegion(pool); err != nil {
		return err
	}
	owned, ok := pool.(awscognito.UserPool)
	if !ok {
		return claimPool(pool, path)
	}
	cfn, ok := owned.Node().DefaultChild().(awscognito.CfnUserPool)
	if !ok || cfn == nil {
		return claimPool(pool, path)
	}
	if tier := cfn.UserPoolTier(); p.guardOn() && tier != nil && *tier == "LITE" && p.guardLambdaVersion() != awscognito.LambdaVersion_V1_0 {
		return fmt.Errorf("expected GuardLambdaVersion V1_0 on user pool %s, whose FeaturePlan is LITE (event versions V2_0 and V3_0 need Essentials or Plus: "+
			"CloudFormation would refuse the pool update), received %s: set GuardLambdaVersion: awscognito.LambdaVersion_V1_0 (tokens then carry no step-up "+
			"claims, so constructs/transaction refuses every call), or FeaturePlan: awscognito.FeaturePlan_ESSENTIALS on your pool",
			*owned.Node().Path(), p.guardLambdaVersion())
	}
	if err := claimPool(pool, path); err != nil {
		return err
	}
	if !keepsOriginalEmail(owned, cfn) {
		awscdk.Annotations_Of(scope).AddWarningV2(jsii.String(WarningKeepOriginalEmail), jsii.String(fmt.Sprintf(
			"user pool %s keeps no original email until a change is verified: an unverified email change then takes over the "+
				"address at once, recovery codes go to it, and a first-use step-up that binds by email (Biopass, OIDC) would bind to it. "+
				"Set AutoVerify email and KeepOriginal: &awscognito.KeepOriginalAttrs{Email: jsii.Bool(true)} on your pool "+
				"(docs/stepup.md, \"If you keep your own app client\")", *owned.Node().Path())), nil)
	}
	return nil
}

// keepsOriginalEmail reports whether the pool's UserAttributeUpdateSettings
// name email (CDK's KeepOriginal), or cannot be read at synth.
func keepsOriginalEmail(pool awscognito.UserPool, cfn awscognito.CfnUserPool) bool {
	m := pooltriggers.ResolveMap(awscdk.Stack_Of(pool), cfn.UserAttributeUpdateSettings())
	if m == nil {
		return false
	}
	attrs, ok := m["attributesRequireVerificationBeforeUpdate"].([]interface{})
	if !ok {
		// Given as a token: cannot be read.
		_, isToken := m["attributesRequireVerificationBeforeUpdate"].(map[string]interface{})
		return isToken
	}
	return slices.Contains(attrs, interface{}("email"))
}

// checkProtectedClients checks each ProtectedClients entry the construct
// can read (an app client of this app): of this pool, no client secret,
// and under Policy ALWAYS only the sign-in flows that run the step-up and
// no OAuth. A client it cannot read (imported by id, or flows given as
// tokens) gets a warning on scope instead: its mistakes show at run time.
func (p *StepUpProps) checkProtectedClients(scope constructs.Construct, pool awscognito.IUserPool) error {
	if p.ProtectedClients == nil {
		return nil
	}
	stack := awscdk.Stack_Of(scope)
	resolve := func(v interface{}) string {
		if v == nil || reflect.ValueOf(v).Kind() == reflect.Ptr && reflect.ValueOf(v).IsNil() {
			return "null"
		}
		raw, err := json.Marshal(stack.Resolve(v))
		if err != nil {
			return ""
		}
		return string(raw)
	}
	const fix = `(docs/stepup.md, "If you keep your own app client")`
	for i, c := range *p.ProtectedClients {
		field := fmt.Sprintf("ProtectedClients[%d] (%s)", i, *c.Node().Path())
		cfn, ok := c.Node().DefaultChild().(awscognito.CfnUserPoolClient)
		if !ok || cfn == nil {
			awscdk.Annotations_Of(scope).AddWarningV2(jsii.String(WarningUncheckedClient), jsii.String(fmt.Sprintf(
				"%s is imported: its user pool, client secret, auth flows and OAuth setting cannot be checked at synth. It must be a client of %s "+
					"without a secret%s %s; otherwise its sign-ins fail at run time",
				field, *pool.Node().Path(), p.alwaysRequirements(), fix)), nil)
			continue
		}
		if got, want := resolve(cfn.UserPoolId()), resolve(pool.UserPoolId()); got != want {
			return fmt.Errorf("expected %s to be an app client of the step-up's user pool %s, received a client of another pool (%s): "+
				"the guard only runs on %s, so the step-up would never apply to it; protect it with a StepUp on its own pool",
				field, *pool.Node().Path(), got, *pool.Node().Path())
		}
		if resolve(cfn.GenerateSecret()) == "true" {
			return fmt.Errorf("expected %s to have no client secret, received GenerateSecret=true: the step-up sign-in runs SRP from the browser or the "+
				"phone (Amplify), which cannot keep a secret nor send its SECRET_HASH; create the client with GenerateSecret: jsii.Bool(false) %s", field, fix)
		}
		if p.policy() != StepUpPolicy_ALWAYS {
			continue
		}
		flows := cfn.ExplicitAuthFlows()
		if flows == nil {
			return fmt.Errorf("expected %s to allow only ALLOW_CUSTOM_AUTH and ALLOW_REFRESH_TOKEN_AUTH under Policy ALWAYS, received no AuthFlows "+
				"(Cognito's default then allows ALLOW_USER_SRP_AUTH, which never runs the step-up: the guard refuses its tokens); set "+
				"AuthFlows: &awscognito.AuthFlow{Custom: jsii.Bool(true)} (the SRP password step runs inside CUSTOM_AUTH), or Policy StepUpPolicy_ON_DEMAND %s",
				field, fix)
		}
		var bad []string
		unknown := *awscdk.Token_IsUnresolved(flows)
		if !unknown {
			for _, f := range *flows {
				switch {
				case f == nil || *awscdk.Token_IsUnresolved(f):
					unknown = true
				case *f == "ALLOW_CUSTOM_AUTH", *f == "ALLOW_REFRESH_TOKEN_AUTH":
				default:
					bad = append(bad, *f)
				}
			}
		}
		if len(bad) > 0 {
			return fmt.Errorf("expected %s to allow only ALLOW_CUSTOM_AUTH and ALLOW_REFRESH_TOKEN_AUTH under Policy ALWAYS, received %s: those flows "+
				"never run the step-up, so the guard refuses every sign-in through them (no tokens); set AuthFlows: &awscognito.AuthFlow{Custom: jsii.Bool(true)} "+
				"(the SRP password step runs inside CUSTOM_AUTH), or Policy StepUpPolicy_ON_DEMAND %s", field, strings.Join(bad, ", "), fix)
		}
		if unknown {
			awscdk.Annotations_Of(scope).AddWarningV2(jsii.String(WarningUncheckedClient), jsii.String(fmt.Sprintf(
				"%s has auth flows given as tokens: they cannot be checked at synth. Under Policy ALWAYS it must allow only ALLOW_CUSTOM_AUTH and "+
					"ALLOW_REFRESH_TOKEN_AUTH %s; otherwise its sign-ins get no tokens", field, fix)), nil)
		}
		if resolve(cfn.AllowedOAuthFlowsUserPoolClient()) == "true" {
			return fmt.Errorf("expected %s to have OAuth off under Policy ALWAYS, received AllowedOAuthFlowsUserPoolClient=true (CDK turns OAuth on "+
				"unless DisableOAuth is set): a hosted or managed-login sign-in never runs the step-up, so the guard refuses its tokens; set "+
				"DisableOAuth: jsii.Bool(true), or Policy StepUpPolicy_ON_DEMAND %s", field, fix)
		}
	}
	return nil
}

// alwaysRequirements is the part of the requirements that depends on the
// policy, for messages.
func (p *StepUpProps) alwaysRequirements() string {
	if p.policy() != StepUpPolicy_ALWAYS {
		return ""
	}
	return ", with only ALLOW_CUSTOM_AUTH and ALLOW_REFRESH_TOKEN_AUTH and OAuth off (Policy ALWAYS)"
}

// Package assurancefn adds the assurance behaviour
// (contract.BehaviourAssurance, lambdas/assurance) to a pool's shared pre
// token generation function, once per pool, for every construct that
// relies on custom:ial: identity proofing (the binding check) and the
// BlockID federation (its mapped claim turned into the backend-only
// assurance). Each provider a construct names is added to
// contract.EnvAssuranceProviders. The function gets the rights it needs on
// the pool (AdminUpdateUserAttributes, AdminDeleteUserAttributes) as a
// separate policy, so the pool → trigger → role → pool chain has no cycle,
// and the deployment's log reference key.
package assurancefn

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"sync"

	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/cognitobridge/cognitobridge/constructs/internal/logkey"
	"github.com/cognitobridge/cognitobridge/constructs/pretokengen"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

type state struct {
	providers []string
	// minimum is the minimum level a construct set (0: none did).
	minimum int
}

var (
	mu       sync.Mutex
	registry = map[pretokengen.PreTokenGeneration]*state{}
)

// Enable adds the assurance behaviour to pool's pre token generation
// function (created by pretokengen.Of with props when the pool has none
// yet) and, when provider is not "", lets that identity provider's mapped
// claim grant the assurance. minimum is the lowest level a provider's
// claim must state (contract.EnvAssuranceMinimumLevel), 0 for the default
// (contract.DefaultAssuranceMinimumLevel) with a provider and for no
// preference without one: one function serves the pool, so every provider
// on it must require the same value (a different one panics). It returns the
// function.
func Enable(pool awscognito.IUserPool, provider string, minimum int, props *pretokengen.PreTokenGenerationProps) pretokengen.PreTokenGeneration {
	ptg := pretokengen.Of(pool, props)
	mu.Lock()
	defer mu.Unlock()
	st, ok := registry[ptg]
	if !ok {
		st = &state{}
		registry[ptg] = st
	}
	// A provider that keeps the default requires the default: otherwise
	// another provider's lower value would become the pool's, silently.
	if provider != "" && minimum == 0 {
		minimum = contract.DefaultAssuranceMinimumLevel
	}
	if minimum != 0 {
		if st.minimum != 0 && st.minimum != minimum {
			panic(fmt.Sprintf("expected every identity provider's assurance on user pool %s to require the same MinimumLevel (one pre token generation function serves the pool), received %d and %d",
				*pool.Node().Path(), st.minimum, minimum))
		}
		st.minimum = minimum
	}
	if provider != "" && !slices.Contains(st.providers, provider) {
		st.providers = append(st.providers, provider)
	}
	list := st.providers
	if list == nil {
		list = []string{}
	}
	raw, _ := json.Marshal(list)
	env := map[string]string{contract.EnvAssuranceProviders: string(raw)}
	if len(st.providers) > 0 {
		// Explicit in the template once a provider can grant.
		min := st.minimum
		if min == 0 {
			min = contract.DefaultAssuranceMinimumLevel
		}
		env[contract.EnvAssuranceMinimumLevel] = strconv.Itoa(min)
	}
	if !ok {
		ptg.AddBehaviour(contract.BehaviourAssurance, env)
		// Next to the function (the Go value ptg cannot be a jsii scope).
		scope, ok := ptg.Function().Node().Scope().(constructs.Construct)
		if !ok {
			panic("assurancefn: expected the pre token generation function's scope to be a construct")
		}
		awsiam.NewPolicy(scope, jsii.String("AssurancePolicy"), &awsiam.PolicyProps{
			Roles: &[]awsiam.IRole{ptg.Role()},
			Statements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Effect:    awsiam.Effect_ALLOW,
				Actions:   jsii.Strings("cognito-idp:AdminUpdateUserAttributes", "cognito-idp:AdminDeleteUserAttributes"),
				Resources: &[]*string{pool.UserPoolArn()},
			})},
		})
		logkey.Attach(ptg.Function())
		return ptg
	}
	// A later construct on the same pool: the list grows.
	for _, k := range []string{contract.EnvAssuranceProviders, contract.EnvAssuranceMinimumLevel} {
		if v, set := env[k]; set {
			ptg.Function().AddEnvironment(jsii.String(k), jsii.String(v), nil)
		}
	}
	return ptg
}

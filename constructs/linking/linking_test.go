package linking

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/jsii-runtime-go"

	"github.com/cognitobridge/cognitobridge/constructs/federation"
	"github.com/cognitobridge/cognitobridge/constructs/internal/cdktest"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

func TestMain(m *testing.M) { cdktest.Main(m) }

type fakePool struct{ awscognito.IUserPool }

func f(v float64) *float64 { return &v }

func TestValidate(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(p *LinkingProps)
		want   string
	}{
		{"valid", func(p *LinkingProps) {}, ""},
		{"max 1", func(p *LinkingProps) { p.MaxIdentities = f(1) }, ""},
		{"no pool", func(p *LinkingProps) { p.UserPool = nil }, "expected UserPool to be set, received nil"},
		{"no names", func(p *LinkingProps) { p.ProviderNames = nil }, "expected ProviderNames to hold at least one identity provider name, received none"},
		{"empty names", func(p *LinkingProps) { p.ProviderNames = jsii.Strings() }, "expected ProviderNames to hold at least one"},
		{"nil name", func(p *LinkingProps) { p.ProviderNames = &[]*string{nil} }, "expected ProviderNames[0] to be set, received nil"},
		{"empty name", func(p *LinkingProps) { p.ProviderNames = jsii.Strings("") }, `expected ProviderNames[0] to be 1 to 32 characters without surrounding spaces, received ""`},
		{"long name", func(p *LinkingProps) { p.ProviderNames = jsii.Strings(strings.Repeat("a", 33)) }, "expected ProviderNames[0] to be 1 to 32 characters"},
		{"duplicate", func(p *LinkingProps) { p.ProviderNames = jsii.Strings("Mosaic", "Mosaic") }, `expected ProviderNames to be distinct, received "Mosaic" twice`},
		{"max 0", func(p *LinkingProps) { p.MaxIdentities = f(0) }, "expected MaxIdentities to be an integer between 1 and 5, received 0"},
		{"max 6", func(p *LinkingProps) { p.MaxIdentities = f(6) }, "received 6"},
		{"max fraction", func(p *LinkingProps) { p.MaxIdentities = f(2.5) }, "received 2.5"},
		{"trusted", func(p *LinkingProps) { p.TrustedEmailProviders = jsii.Strings("Mosaic") }, ""},
		{"trusted empty", func(p *LinkingProps) { p.TrustedEmailProviders = jsii.Strings() }, ""},
		{"trusted unknown", func(p *LinkingProps) { p.TrustedEmailProviders = jsii.Strings("Google") },
			`expected TrustedEmailProviders[0] to be one of ProviderNames, received "Google"`},
		{"trusted nil", func(p *LinkingProps) { p.TrustedEmailProviders = &[]*string{nil} }, "expected TrustedEmailProviders[0] to be set, received nil"},
		{"trusted twice", func(p *LinkingProps) { p.TrustedEmailProviders = jsii.Strings("Mosaic", "Mosaic") },
			`expected TrustedEmailProviders to be distinct, received "Mosaic" twice`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := &LinkingProps{UserPool: fakePool{}, ProviderNames: jsii.Strings("Mosaic")}
			c.mutate(p)
			cdktest.CheckError(t, p.validate(), c.want)
		})
	}
}

type resource = cdktest.Resource

// refs collects the logical ids a value refers to (Ref, Fn::GetAtt).
func refs(v interface{}, ids map[string]bool, out map[string]bool) {
	switch v := v.(type) {
	case map[string]interface{}:
		for k, x := range v {
			switch {
			case k == "Ref":
				if s, ok := x.(string); ok && ids[s] {
					out[s] = true
				}
			case k == "Fn::GetAtt":
				if l, ok := x.([]interface{}); ok && len(l) > 0 {
					if s, ok := l[0].(string); ok && ids[s] {
						out[s] = true
					}
				}
			default:
				refs(x, ids, out)
			}
		}
	case []interface{}:
		for _, x := range v {
			refs(x, ids, out)
		}
	}
}

// dependencies is the template's dependency graph: references and DependsOn.
func dependencies(res map[string]resource) map[string]map[string]bool {
	ids := map[string]bool{}
	for id := range res {
		ids[id] = true
	}
	graph := map[string]map[string]bool{}
	for id, r := range res {
		out := map[string]bool{}
		refs(r.Properties, ids, out)
		switch d := r.DependsOn.(type) {
		case string:
			out[d] = true
		case []interface{}:
			for _, x := range d {
				if s, ok := x.(string); ok {
					out[s] = true
				}
			}
		}
		graph[id] = out
	}
	return graph
}

// findCycle returns a cycle of the graph, or nil.
func findCycle(graph map[string]map[string]bool) []string {
	const (
		white = iota
		grey
		black
	)
	color := map[string]int{}
	var stack []string
	var visit func(n string) []string
	visit = func(n string) []string {
		color[n] = grey
		stack = append(stack, n)
		for m := range graph[n] {
			switch color[m] {
			case grey:
				for i, s := range stack {
					if s == m {
						return append(append([]string{}, stack[i:]...), m)
					}
				}
			case white:
				if c := visit(m); c != nil {
					return c
				}
			}
		}
		stack = stack[:len(stack)-1]
		color[n] = black
		return nil
	}
	for n := range graph {
		if color[n] == white {
			if c := visit(n); c != nil {
				return c
			}
		}
	}
	return nil
}

// mosaicProps are the props of a Mosaic federation (on a new pool unless
// the test sets UserPool).
func mosaicProps() *federation.FederationProps {
	return &federation.FederationProps{
		Provider:     &federation.Provider{Mosaic: &federation.MosaicProvider{ClientID: jsii.String("c")}},
		CallbackURLs: jsii.Strings("https://app.example.com/cb"),
		LogoutURLs:   jsii.Strings("https://app.example.com/"),
		DomainPrefix: jsii.String("acme-login"),
	}
}

func TestLinkingOnAFederatedPoolHasNoCycle(t *testing.T) {
	// GIVEN a Mosaic federation on a new pool
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Test"), nil)
	props := mosaicProps()
	props.Linkable = jsii.Bool(true)
	fed := federation.NewFederation(stack, jsii.String("Mosaic"), props)
	// WHEN
	link := NewLinking(stack, jsii.String("Linking"), &LinkingProps{
		UserPool:      fed.UserPool(),
		ProviderNames: &[]*string{fed.ProviderName()},
		Code:          cdktest.StubCode(t),
	})
	// THEN synthesis succeeds, and the dependency graph has no cycle
	tmpl := assertions.Template_FromStack(stack, nil)
	res := cdktest.AllResources(t, tmpl)
	graph := dependencies(res)
	if c := findCycle(graph); c != nil {
		t.Fatalf("dependency cycle: %s", strings.Join(c, " -> "))
	}

	var poolID, fnID, policyID string
	for id, r := range res {
		switch r.Type {
		case "AWS::Cognito::UserPool":
			poolID = id
		case "AWS::Lambda::Function":
			fnID = id
		case "AWS::IAM::Policy":
			if strings.HasPrefix(id, "LinkingPolicy") {
				policyID = id
			}
		}
	}
	if poolID == "" || fnID == "" || policyID == "" {
		t.Fatalf("missing pool %q, function %q or policy %q", poolID, fnID, policyID)
	}
	if !graph[poolID][fnID] {
		t.Error("the pool does not reference its pre sign-up function")
	}
	if !graph[policyID][poolID] {
		t.Error("the linking policy does not reference the pool")
	}
	if graph[fnID][policyID] {
		t.Error("the function depends on the linking policy")
	}

	// Rights on this pool's ARN only, for the function's own role; without
	// a trusted provider the behaviour only looks up (and refuses).
	tmpl.HasResourceProperties(jsii.String("AWS::IAM::Policy"), map[string]interface{}{
		"PolicyDocument": map[string]interface{}{"Statement": []interface{}{map[string]interface{}{
			"Effect":   "Allow",
			"Action":   "cognito-idp:ListUsers",
			"Resource": map[string]interface{}{"Fn::GetAtt": []interface{}{poolID, "Arn"}},
		}}},
		"Roles": []interface{}{map[string]interface{}{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^MosaicUserPoolPreSignUpRole"))}},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]interface{}{
		"Environment": map[string]interface{}{"Variables": map[string]interface{}{
			contract.EnvPreSignUpBehaviours: "linking",
			contract.EnvLinkProviders:       `["Mosaic"]`,
			contract.EnvLinkMaxIdentities:   "5",
		}},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPool"), map[string]interface{}{
		"LambdaConfig": map[string]interface{}{"PreSignUp": map[string]interface{}{"Fn::GetAtt": []interface{}{fnID, "Arn"}}},
	})
	if got := link.PreSignUp().Behaviours(); len(got) != 1 || got[0] != contract.BehaviourLinking {
		t.Errorf("Behaviours() = %q", got)
	}

	// A second capability on the same pool shares the function.
	link.PreSignUp().AddBehaviour("proofing", nil)
	tmpl = assertions.Template_FromStack(stack, nil)
	tmpl.ResourceCountIs(jsii.String("AWS::Lambda::Function"), jsii.Number(1))
}

// TestTrustedEmailProviders: the trust decision reaches the function as
// EnvLinkTrustedProviders, with the rights automatic linking needs (read a
// user's MFA settings, link); without it the variable is absent.
func TestTrustedEmailProviders(t *testing.T) {
	stack := cdktest.NewStack()
	pool := awscognito.NewUserPool(stack, jsii.String("Pool"), nil)
	NewLinking(stack, jsii.String("Linking"), &LinkingProps{
		UserPool: pool, ProviderNames: jsii.Strings("Mosaic", "Corp"), TrustedEmailProviders: jsii.Strings("Corp"),
		Code: cdktest.StubCode(t),
	})
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]interface{}{
		"Environment": map[string]interface{}{"Variables": map[string]interface{}{
			contract.EnvLinkProviders:        `["Mosaic","Corp"]`,
			contract.EnvLinkTrustedProviders: `["Corp"]`,
		}},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::IAM::Policy"), map[string]interface{}{
		"PolicyDocument": map[string]interface{}{"Statement": []interface{}{map[string]interface{}{
			"Effect":   "Allow",
			"Action":   []interface{}{"cognito-idp:ListUsers", "cognito-idp:AdminGetUser", "cognito-idp:AdminLinkProviderForUser"},
			"Resource": map[string]interface{}{"Fn::GetAtt": []interface{}{assertions.Match_StringLikeRegexp(jsii.String("^Pool")), "Arn"}},
		}}},
	})

	stack = cdktest.NewStack()
	pool = awscognito.NewUserPool(stack, jsii.String("Pool"), nil)
	NewLinking(stack, jsii.String("Linking"), &LinkingProps{UserPool: pool, ProviderNames: jsii.Strings("Mosaic"), Code: cdktest.StubCode(t)})
	for _, fn := range cdktest.Resources(t, assertions.Template_FromStack(stack, nil), "AWS::Lambda::Function") {
		vars := fn["Properties"].(map[string]interface{})["Environment"].(map[string]interface{})["Variables"].(map[string]interface{})
		if _, ok := vars[contract.EnvLinkTrustedProviders]; ok {
			t.Fatalf("trusted providers set by default: %v", vars)
		}
	}
}

func TestRefusesTheProviderResourceName(t *testing.T) {
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Test"), nil)
	fed := federation.NewFederation(stack, jsii.String("Mosaic"), mosaicProps())
	defer func() {
		r := recover()
		if msg, _ := r.(string); !strings.Contains(msg, "linking: expected ProviderNames[0] to be a plain name (Federation.ProviderName())") {
			t.Fatalf("panic %v", r)
		}
	}()
	NewLinking(stack, jsii.String("Linking"), &LinkingProps{
		UserPool:      fed.UserPool(),
		ProviderNames: &[]*string{fed.Provider().ProviderName()},
		MaxIdentities: f(3),
		Code:          cdktest.StubCode(t),
	})
}

// TestCycleDetectorSeesTheTrap guards the check above: the same grant in the
// role's default policy is the circular dependency the design warns about.
func TestCycleDetectorSeesTheTrap(t *testing.T) {
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Test"), nil)
	pool := awscognito.NewUserPool(stack, jsii.String("Pool"), nil)
	link := NewLinking(stack, jsii.String("Linking"), &LinkingProps{
		UserPool: pool, ProviderNames: jsii.Strings("Mosaic"), Code: cdktest.StubCode(t),
	})
	pool.Grant(link.PreSignUp().Function(), jsii.String("cognito-idp:ListUsers"))
	var cycle []string
	func() {
		defer func() {
			if r := recover(); r != nil {
				if !strings.Contains(strings.ToLower(fmt.Sprint(r)), "cycl") {
					t.Fatalf("synthesis failed for another reason: %v", r)
				}
				cycle = []string{"synthesis refused it"}
			}
		}()
		cycle = findCycle(dependencies(cdktest.AllResources(t, assertions.Template_FromStack(stack, nil))))
	}()
	if cycle == nil {
		t.Fatal("a grant in the role's default policy was not seen as a cycle")
	}
	t.Logf("cycle: %s", strings.Join(cycle, " -> "))
}

// Package linking decides, at sign-up, what happens when a federated user's
// first sign-in carries the verified email of an existing native user.
//
// It adds the contract.BehaviourLinking behaviour to the pool's single pre
// sign-up function (see constructs/presignup). By default the handler
// (lambdas/linking) links nothing by email: such a sign-up is refused with
// a message asking the person to sign in with their password and connect
// the provider from their account (constructs/connect), which proves
// control of both accounts. Only the providers listed in
// LinkingProps.TrustedEmailProviders are linked automatically, to exactly
// one native user with the same verified email, without MFA, below the
// identity limit.
//
// A linked provider must not rewrite what the pool trusts: Cognito
// re-applies a provider's attribute mapping at every sign-in through it,
// linked users included (REPORTED), so each provider of ProviderNames
// defined in the same stack may map nothing into email, email_verified,
// phone_number, phone_number_verified or custom:ial; synth refuses such a
// mapping, naming the attribute and the custom attribute to map instead
// (federation.FederationProps.Linkable does that for its presets), unless
// the provider is declared trusted for its attributes
// (federation.FederationProps.TrustedForAttributes).
package linking

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/cognitobridge/cognitobridge/constructs/internal/linkable"
	"github.com/cognitobridge/cognitobridge/constructs/internal/logkey"
	"github.com/cognitobridge/cognitobridge/constructs/internal/propcheck"
	"github.com/cognitobridge/cognitobridge/constructs/presignup"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// DefaultMaxIdentities is Cognito's own limit of identities linked to one
// user.
const DefaultMaxIdentities = contract.DefaultLinkMaxIdentities

// LinkingProps configures a Linking. Nil means the documented default.
type LinkingProps struct {
	// The user pool, e.g. Federation.UserPool(): a pool of this app, or one
	// imported by id, whose pre sign-up trigger is then attached by the
	// constructs/pooltriggers custom resource. Its PreSignUp trigger must be
	// free or owned by constructs/presignup. Required.
	UserPool awscognito.IUserPool
	// Names of the pool's identity providers whose users are linked, as
	// plain strings: Federation.ProviderName(). Not the provider resource's
	// ProviderName() (a reference from the trigger to the provider, which
	// references the pool, would close a dependency cycle). Required.
	ProviderNames *[]*string
	// Names from ProviderNames whose email verification the app owner
	// trusts: the first sign-in of such a provider's user whose verified
	// email belongs to exactly one native user (email verified too, no MFA,
	// no identity of this provider yet, fewer than MaxIdentities) is linked
	// to that user automatically. Any other provider's matching sign-up is
	// refused with "sign in with your password, then connect <provider>".
	//
	// Risk: this is a trust decision. Whoever can make the provider assert
	// email_verified for an address (a provider that verifies loosely, or
	// lets anyone register any address, or any generic OpenID Provider)
	// lands in the native account that owns the address on their first
	// sign-in, past its password; the owner's own later sign-in with that
	// provider is then refused as "already connected". AWS:
	// AdminLinkProviderForUser "should only be used with external IdPs and
	// provider attributes that have been trusted by the application owner".
	// Native users with MFA are never linked automatically.
	//
	// The same trust covers the provider's verified phone number (Mosaic by
	// phone: phone_number or custom:idp_phone with its verified flag),
	// normalized to E.164 and matched against the native user's verified
	// phone_number: whoever can make the provider assert a phone number
	// (a recycled number, a SIM swap) lands in the account that owns it.
	// Default: - none (no automatic linking).
	TrustedEmailProviders *[]*string
	// How many identities may already be linked to a native user before a
	// new link is refused, 1 to 5.
	// Default: 5 (Cognito's limit).
	MaxIdentities *float64
	// Prebuilt pre sign-up handler code; only used when this construct
	// creates the pool's pre sign-up function.
	// Default: - built from lambdas/cmd/presignup with the local Go toolchain.
	Code awslambda.Code
	// Retention of the pre sign-up function's log group; only used when this
	// construct creates the function.
	// Default: awslogs.RetentionDays_ONE_MONTH.
	LogRetention awslogs.RetentionDays
}

// Linking is the linking behaviour of a pool's pre sign-up function.
type Linking interface {
	constructs.Construct
	// PreSignUp is the pool's shared pre sign-up function.
	PreSignUp() presignup.PreSignUp
	// Policy lets the function list users of this pool, and, when a
	// provider is trusted, read a user's MFA settings and link identities in
	// it. It is attached to the function's role as a separate policy, so the
	// function does not depend on it.
	Policy() awsiam.Policy
}

type linking struct {
	constructs.Construct
	preSignUp presignup.PreSignUp
	policy    awsiam.Policy
}

func (l *linking) PreSignUp() presignup.PreSignUp { return l.preSignUp }
func (l *linking) Policy() awsiam.Policy          { return l.policy }

func (p *LinkingProps) validate() error {
	if p == nil {
		return fmt.Errorf("expected props to be set, received nil")
	}
	if p.UserPool == nil {
		return fmt.Errorf("expected UserPool to be set, received nil")
	}
	if p.ProviderNames == nil || len(*p.ProviderNames) == 0 {
		return fmt.Errorf("expected ProviderNames to hold at least one identity provider name, received none")
	}
	seen := map[string]bool{}
	for i, n := range *p.ProviderNames {
		switch {
		case n == nil:
			return fmt.Errorf("expected ProviderNames[%d] to be set, received nil", i)
		case propcheck.IsToken(n):
			return fmt.Errorf("expected ProviderNames[%d] to be a plain name (Federation.ProviderName()), received an unresolved token %s: "+
				"a reference from the pre sign-up function to the provider resource makes a dependency cycle with the pool", i, *n)
		case len([]rune(*n)) < 1 || len([]rune(*n)) > 32 || strings.TrimSpace(*n) != *n:
			return fmt.Errorf("expected ProviderNames[%d] to be 1 to 32 characters without surrounding spaces, received %q", i, *n)
		case seen[*n]:
			return fmt.Errorf("expected ProviderNames to be distinct, received %q twice", *n)
		}
		seen[*n] = true
	}
	if p.TrustedEmailProviders != nil {
		trusted := map[string]bool{}
		for i, n := range *p.TrustedEmailProviders {
			switch {
			case n == nil:
				return fmt.Errorf("expected TrustedEmailProviders[%d] to be set, received nil", i)
			case !seen[*n]:
				return fmt.Errorf("expected TrustedEmailProviders[%d] to be one of ProviderNames, received %q", i, *n)
			case trusted[*n]:
				return fmt.Errorf("expected TrustedEmailProviders to be distinct, received %q twice", *n)
			}
			trusted[*n] = true
		}
	}
	if m := p.MaxIdentities; m != nil && (*m < 1 || *m > DefaultMaxIdentities || *m != float64(int64(*m))) {
		return fmt.Errorf("expected MaxIdentities to be an integer between 1 and %d, received %g", DefaultMaxIdentities, *m)
	}
	return nil
}

// NewLinking adds account linking to the pool's pre sign-up function. It
// panics with a descriptive message when props are invalid.
func NewLinking(scope constructs.Construct, id *string, props *LinkingProps) Linking {
	if err := props.validate(); err != nil {
		panic("linking: " + err.Error())
	}
	this := constructs.NewConstruct(scope, id)
	l := &linking{Construct: this}

	names := make([]string, len(*props.ProviderNames))
	for i, n := range *props.ProviderNames {
		names[i] = *n
	}
	providers, err := json.Marshal(names)
	if err != nil {
		panic("linking: " + err.Error())
	}
	maxIdentities := float64(DefaultMaxIdentities)
	if props.MaxIdentities != nil {
		maxIdentities = *props.MaxIdentities
	}

	env := map[string]string{
		contract.EnvLinkProviders:     string(providers),
		contract.EnvLinkMaxIdentities: strconv.FormatInt(int64(maxIdentities), 10),
	}
	// Only the read and link rights the configuration needs: without a
	// trusted provider the behaviour only looks up and refuses.
	actions := []string{"cognito-idp:ListUsers"}
	if props.TrustedEmailProviders != nil && len(*props.TrustedEmailProviders) > 0 {
		trusted := make([]string, len(*props.TrustedEmailProviders))
		for i, n := range *props.TrustedEmailProviders {
			trusted[i] = *n
		}
		raw, _ := json.Marshal(trusted) // []string always marshals
		env[contract.EnvLinkTrustedProviders] = string(raw)
		actions = append(actions, "cognito-idp:AdminGetUser", "cognito-idp:AdminLinkProviderForUser")
	}

	// A linked provider must not rewrite what the pool trusts: each linked
	// provider of this stack maps nothing into email, email_verified,
	// phone_number, phone_number_verified or custom:ial (checked at synth,
	// so the provider may be defined after this construct).
	linkable.Check(this, "linking", func() []string { return names })

	l.preSignUp = presignup.Of(props.UserPool, &presignup.PreSignUpProps{Code: props.Code, LogRetention: props.LogRetention})
	l.preSignUp.AddBehaviour(contract.BehaviourLinking, env)
	// The stack's log reference key: user and email references in the
	// function's log lines are keyed (lambdas/internal/logref).
	logkey.Attach(l.preSignUp.Function())

	// On this pool only. A separate policy, not the role's default policy:
	// the function depends on its role (and so on the default policy), the
	// pool depends on the function (trigger), and this policy names the
	// pool; inside the default policy that would be a cycle.
	l.policy = awsiam.NewPolicy(this, jsii.String("Policy"), &awsiam.PolicyProps{
		Roles: &[]awsiam.IRole{l.preSignUp.Role()},
		Statements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Effect:    awsiam.Effect_ALLOW,
			Actions:   jsii.Strings(actions...),
			Resources: &[]*string{props.UserPool.UserPoolArn()},
		})},
	})
	return l
}

// Package newpool holds what the constructs that create a user pool share:
// the props that only apply to a created pool and the pool's secure
// defaults.
package newpool

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/jsii-runtime-go"
)

// Options are the props of a created pool. Nil or "" means the default.
type Options struct {
	// Default: false.
	SelfSignUpEnabled *bool
	// Default: awscognito.FeaturePlan_ESSENTIALS.
	FeaturePlan awscognito.FeaturePlan
	// Default: awscdk.RemovalPolicy_RETAIN.
	RemovalPolicy awscdk.RemovalPolicy
	// Default: true, unless RemovalPolicy is DESTROY.
	DeletionProtection *bool
}

// FirstSet returns the name of the first field of o that is set, or "" when
// none is: with an existing pool they would have no effect.
func (o Options) FirstSet() string {
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"SelfSignUpEnabled", o.SelfSignUpEnabled != nil},
		{"FeaturePlan", o.FeaturePlan != ""},
		{"RemovalPolicy", o.RemovalPolicy != ""},
		{"DeletionProtection", o.DeletionProtection != nil},
	} {
		if f.set {
			return f.name
		}
	}
	return ""
}

// Props returns the created pool's props with o's values (or their
// defaults) and the secure defaults every construct applies: sign-in by
// username or email (not case sensitive), email auto-verified, a strong
// password policy and account recovery by email only. The caller adds the
// attributes and MFA settings.
func (o Options) Props() *awscognito.UserPoolProps {
	removal := o.RemovalPolicy
	if removal == "" {
		removal = awscdk.RemovalPolicy_RETAIN
	}
	deletionProtection := o.DeletionProtection
	if deletionProtection == nil {
		deletionProtection = jsii.Bool(removal != awscdk.RemovalPolicy_DESTROY)
	}
	featurePlan := o.FeaturePlan
	if featurePlan == "" {
		featurePlan = awscognito.FeaturePlan_ESSENTIALS
	}
	return &awscognito.UserPoolProps{
		SelfSignUpEnabled:   jsii.Bool(o.SelfSignUpEnabled != nil && *o.SelfSignUpEnabled),
		SignInAliases:       &awscognito.SignInAliases{Username: jsii.Bool(true), Email: jsii.Bool(true)},
		SignInCaseSensitive: jsii.Bool(false),
		AutoVerify:          &awscognito.AutoVerifiedAttrs{Email: jsii.Bool(true)},
		PasswordPolicy: &awscognito.PasswordPolicy{
			MinLength:            jsii.Number(12),
			RequireLowercase:     jsii.Bool(true),
			RequireUppercase:     jsii.Bool(true),
			RequireDigits:        jsii.Bool(true),
			RequireSymbols:       jsii.Bool(true),
			TempPasswordValidity: awscdk.Duration_Days(jsii.Number(3)),
		},
		AccountRecovery:    awscognito.AccountRecovery_EMAIL_ONLY,
		FeaturePlan:        featurePlan,
		DeletionProtection: deletionProtection,
		RemovalPolicy:      removal,
	}
}

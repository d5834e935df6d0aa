// Package localcognito is a local stand-in for the Amazon Cognito user-pool
// JSON API and hosted-UI endpoints, for development and tests only. It is
// NOT a Cognito replacement: it serves what the sample apps use, runs the
// pool the synthesized template describes (clients, auth flows, write lists,
// triggers), and follows AWS's public documentation wherever its behaviour
// could not be observed; every such place is marked "DOCUMENTED:".
package localcognito

import (
	"context"
	"errors"
)

// Slot names a user-pool trigger, as the keys of the CloudFormation
// UserPool LambdaConfig property spell them.
type Slot string

// The trigger slots the endpoint invokes.
const (
	SlotPreSignUp           Slot = "PreSignUp"
	SlotPostConfirmation    Slot = "PostConfirmation"
	SlotPreAuthentication   Slot = "PreAuthentication"
	SlotPostAuthentication  Slot = "PostAuthentication"
	SlotDefineAuthChallenge Slot = "DefineAuthChallenge"
	SlotCreateAuthChallenge Slot = "CreateAuthChallenge"
	SlotVerifyAuthChallenge Slot = "VerifyAuthChallengeResponse"
	SlotPreTokenGeneration  Slot = "PreTokenGeneration"
	SlotUserMigration       Slot = "UserMigration"
)

// ErrTriggerFailed is what Invoke returns when the function itself failed
// (it returned an error document, or timed out): Cognito turns it into an
// error of the API call that caused it.
var ErrTriggerFailed = errors.New("localcognito: trigger failed")

// Triggers invokes the pool's Lambda triggers. The endpoint builds each
// event (JSON, shaped as AWS documents it) and reads the response back.
type Triggers interface {
	// Has reports whether the pool has a function in slot.
	Has(slot Slot) bool
	// Invoke runs the function of slot with event and returns its response
	// document. A function error is ErrTriggerFailed (wrapped); a broken
	// runner is any other error.
	Invoke(ctx context.Context, slot Slot, event []byte) ([]byte, error)
}

// Config is one user pool as the endpoint runs it. test/localcognito/template
// builds it from a synthesized CloudFormation template.
type Config struct {
	// Region is the pool's region (e.g. "us-east-1").
	Region string
	// PoolID is "<region>_<name>"; the part after "_" is the pool name SRP
	// hashes into every password verifier.
	PoolID string
	// UsernameAttributes lists the attributes a user signs in with instead
	// of a username ("email", "phone_number"); empty means usernames.
	UsernameAttributes []string
	// AutoVerifiedAttributes are verified by ConfirmSignUp ("email").
	AutoVerifiedAttributes []string
	// CustomAttributes are the schema's custom attributes, without the
	// "custom:" prefix, with whether they are mutable.
	CustomAttributes map[string]bool
	// PreTokenGenerationVersion is "V1_0", "V2_0" or "V3_0" (the
	// LambdaConfig.PreTokenGenerationConfig.LambdaVersion); default V1_0.
	PreTokenGenerationVersion string
	// Clients are the pool's app clients.
	Clients []Client
	// IdentityProviders are the federated providers of the pool.
	IdentityProviders []IdentityProvider
	// Triggers runs the pool's functions; nil means the pool has none.
	Triggers Triggers

	// MFA (mfa.go). MfaConfiguration is the pool's "OFF" (default), "ON"
	// or "OPTIONAL"; EnabledMfas its factors as CloudFormation spells them
	// (SMS_MFA, SOFTWARE_TOKEN_MFA, EMAIL_OTP). The endpoint implements
	// SOFTWARE_TOKEN_MFA (TOTP) only: New refuses any other factor unless
	// MFA is OFF (see CheckMFAConfig).
	MfaConfiguration string
	EnabledMfas      []string

	// Users and accounts (issue 15). The zero values are the Cognito API's
	// defaults for a pool that does not set them, except PasswordPolicy
	// (see there). New refuses a value the endpoint cannot honour, naming it.

	// UsernameCaseInsensitive is UsernameConfiguration.CaseSensitive=false:
	// user names and the email alias match in any capitalization. DOCUMENTED
	// (CreateUserPool, UsernameConfigurationType): CaseSensitive true is the
	// default.
	UsernameCaseInsensitive bool
	// AliasAttributes are the attributes a user may sign in with besides
	// the username; only "email" is supported (a verified email).
	AliasAttributes []string
	// PasswordPolicy is Policies.PasswordPolicy. Nil: only a minimum of 6
	// characters (a hand-built Config; test/localcognito/template fills in
	// the policy of every pool it reads).
	PasswordPolicy *PasswordPolicy
	// AllowAdminCreateUserOnly is AdminCreateUserConfig's: SignUp is refused.
	AllowAdminCreateUserOnly bool
	// RequiredAttributes are the schema's attributes with Required true.
	RequiredAttributes []string
	// AttributesRequireVerificationBeforeUpdate is
	// UserAttributeUpdateSettings': only "email" is supported. A changed
	// email stays pending (the old one active) until the user verifies it.
	AttributesRequireVerificationBeforeUpdate []string
	// AccountRecovery is AccountRecoverySetting.RecoveryMechanisms' names in
	// priority order; only "verified_email" is supported. Nil means
	// verified_email (the endpoint sends no SMS).
	AccountRecovery []string
}

// PasswordPolicy is a pool's password policy (PasswordPolicyType).
type PasswordPolicy struct {
	MinimumLength                                                      int
	RequireUppercase, RequireLowercase, RequireNumbers, RequireSymbols bool
	// TemporaryPasswordValidityDays is kept for completeness: the endpoint
	// has no AdminCreateUser, so no temporary passwords.
	TemporaryPasswordValidityDays int
	// PasswordHistorySize must be 0: password reuse is not tracked.
	PasswordHistorySize int
}

// Client is one app client.
type Client struct {
	ID, Name string
	// ExplicitAuthFlows as CloudFormation spells them (ALLOW_USER_SRP_AUTH,
	// ALLOW_CUSTOM_AUTH, ALLOW_REFRESH_TOKEN_AUTH, ...). DOCUMENTED: an
	// empty list means Cognito's default (USER_SRP, CUSTOM, REFRESH_TOKEN).
	ExplicitAuthFlows []string
	// ReadAttributes and WriteAttributes; nil means every attribute.
	ReadAttributes, WriteAttributes []string
	// Hosted UI / OAuth settings.
	CallbackURLs, LogoutURLs   []string
	SupportedIdentityProviders []string // "COGNITO" and provider names
	AllowedOAuthFlows          []string // "code", "implicit"
	AllowedOAuthScopes         []string
	// GenerateSecret: the client has a secret (public clients do not).
	GenerateSecret bool
	// PreventUserExistenceErrors is "ENABLED" or "LEGACY" (CloudFormation's
	// property). DOCUMENTED: the API default is LEGACY (unknown users get
	// UserNotFoundException); ENABLED answers as for an existing user and
	// runs the custom-auth triggers with userNotFound=true.
	PreventUserExistenceErrors string
	// Token validities in seconds; zero means Cognito's defaults
	// (access and ID 3600, refresh 30 days).
	AccessTokenValidity, IDTokenValidity, RefreshTokenValidity int

	// Sessions and tokens (CloudFormation AWS::Cognito::UserPoolClient).
	//
	// AuthSessionValidity is how long, in minutes, each Session value of a
	// sign-in stays good (3 to 15); zero means the default, 3.
	AuthSessionValidity int
	// EnableTokenRevocation: RevokeToken works for the client, and its
	// tokens carry origin_jti and jti. nil means the default, enabled
	// (DOCUMENTED: "Revoking tokens": token revocation is enabled by
	// default on a new client).
	EnableTokenRevocation *bool
	// RefreshTokenRotation is "ENABLED" or "DISABLED" ("" is DISABLED):
	// GetTokensFromRefreshToken then issues a new refresh token and the
	// submitted one stays good for RetryGracePeriodSeconds (0 to 60) more.
	RefreshTokenRotation    string
	RetryGracePeriodSeconds int
}

// IdentityProvider is a federated OIDC provider of the pool.
type IdentityProvider struct {
	// Name is the ProviderName clients and the hosted UI refer to.
	Name string
	// Type is "OIDC" (the only type the endpoint federates with).
	Type string
	// Issuer, ClientID, ClientSecret, AuthorizeScopes, and the endpoints
	// (empty: discovered from the issuer).
	Issuer, ClientID, ClientSecret, AuthorizeScopes string
	AuthorizeURL, TokenURL, UserInfoURL, JWKSURL    string
	// AttributeMapping maps pool attributes to provider claims.
	AttributeMapping map[string]string
}

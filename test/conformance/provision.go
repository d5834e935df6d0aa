package conformance

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// The settings of the two probe pools, those the sample templates set
// (test/testdata/*.template.json): user names not case sensitive, the
// password policy, PreventUserExistenceErrors ENABLED, AuthSessionValidity 5
// and token revocation on the clients.
//
//   - Main is the blockid-stepup / shared-pool kind: email as an alias
//     (AliasAttributes), only administrators create users, email required.
//   - MFA is the identity-proofing kind: email as the user name
//     (UsernameAttributes), self sign-up, TOTP MFA required. It also
//     requires "name", a deviation from the sample, so that SignUp has a
//     required attribute to leave out (the email is the user name there).
const (
	PasswordMinLength  = 12
	AuthSessionMinutes = 5
	mainPoolName       = "conformance-main"
	mfaPoolName        = "conformance-mfa"
)

// clientFlows are the sample clients' explicit auth flows.
var clientFlows = []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserSrpAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth}

func passwordPolicy() *types.PasswordPolicyType {
	return &types.PasswordPolicyType{
		MinimumLength:                 aws.Int32(PasswordMinLength),
		RequireLowercase:              true,
		RequireUppercase:              true,
		RequireNumbers:                true,
		RequireSymbols:                true,
		TemporaryPasswordValidityDays: 3,
	}
}

// Provision creates the two pools through the administrative API on the
// target's endpoint (moto, or a real account) and returns a cleanup that
// deletes them.
func Provision(ctx context.Context, t *Target, endpoint string) (cleanup func(), err error) {
	api := t.API(Pool{Endpoint: endpoint})
	var created []string
	cleanup = func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for _, id := range created {
			_, _ = api.DeleteUserPool(ctx, &cip.DeleteUserPoolInput{UserPoolId: aws.String(id)})
		}
	}
	defer func() {
		if err != nil {
			cleanup()
		}
	}()
	pool := func(in *cip.CreateUserPoolInput) (Pool, error) {
		out, err := api.CreateUserPool(ctx, in)
		if err != nil {
			return Pool{}, fmt.Errorf("CreateUserPool %s: %w", aws.ToString(in.PoolName), err)
		}
		id := aws.ToString(out.UserPool.Id)
		created = append(created, id)
		c, err := api.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{
			UserPoolId:                 aws.String(id),
			ClientName:                 aws.String("app"),
			ExplicitAuthFlows:          clientFlows,
			PreventUserExistenceErrors: types.PreventUserExistenceErrorTypesEnabled,
			AuthSessionValidity:        aws.Int32(AuthSessionMinutes),
			EnableTokenRevocation:      aws.Bool(true),
			GenerateSecret:             false,
		})
		if err != nil {
			return Pool{}, fmt.Errorf("CreateUserPoolClient: %w", err)
		}
		return Pool{Endpoint: endpoint, PoolID: id, ClientID: aws.ToString(c.UserPoolClient.ClientId)}, nil
	}
	required := func(name string) types.SchemaAttributeType {
		return types.SchemaAttributeType{Name: aws.String(name), AttributeDataType: types.AttributeDataTypeString, Mutable: aws.Bool(true), Required: aws.Bool(true)}
	}
	t.Main, err = pool(&cip.CreateUserPoolInput{
		PoolName:               aws.String(mainPoolName),
		AliasAttributes:        []types.AliasAttributeType{types.AliasAttributeTypeEmail},
		UsernameConfiguration:  &types.UsernameConfigurationType{CaseSensitive: aws.Bool(false)},
		AdminCreateUserConfig:  &types.AdminCreateUserConfigType{AllowAdminCreateUserOnly: true},
		AutoVerifiedAttributes: []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail},
		Policies:               &types.UserPoolPolicyType{PasswordPolicy: passwordPolicy()},
		Schema:                 []types.SchemaAttributeType{required("email")},
		AccountRecoverySetting: &types.AccountRecoverySettingType{RecoveryMechanisms: []types.RecoveryOptionType{{Name: types.RecoveryOptionNameTypeVerifiedEmail, Priority: aws.Int32(1)}}},
		MfaConfiguration:       types.UserPoolMfaTypeOff,
	})
	if err != nil {
		return nil, err
	}
	t.MFA, err = pool(&cip.CreateUserPoolInput{
		PoolName:               aws.String(mfaPoolName),
		UsernameAttributes:     []types.UsernameAttributeType{types.UsernameAttributeTypeEmail},
		UsernameConfiguration:  &types.UsernameConfigurationType{CaseSensitive: aws.Bool(false)},
		AdminCreateUserConfig:  &types.AdminCreateUserConfigType{AllowAdminCreateUserOnly: false},
		AutoVerifiedAttributes: []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail},
		Policies:               &types.UserPoolPolicyType{PasswordPolicy: passwordPolicy()},
		Schema:                 []types.SchemaAttributeType{required("email"), required("name")},
		AccountRecoverySetting: &types.AccountRecoverySettingType{RecoveryMechanisms: []types.RecoveryOptionType{{Name: types.RecoveryOptionNameTypeVerifiedEmail, Priority: aws.Int32(1)}}},
		// DOCUMENTED (CreateUserPool, MfaConfiguration; SetUserPoolMfaConfig):
		// a pool is created without MFA and SetUserPoolMfaConfig turns TOTP
		// on, as CloudFormation's EnabledMfas does.
		MfaConfiguration: types.UserPoolMfaTypeOff,
	})
	if err != nil {
		return nil, err
	}
	if _, err = api.SetUserPoolMfaConfig(ctx, &cip.SetUserPoolMfaConfigInput{
		UserPoolId:                    aws.String(t.MFA.PoolID),
		MfaConfiguration:              types.UserPoolMfaTypeOn,
		SoftwareTokenMfaConfiguration: &types.SoftwareTokenMfaConfigType{Enabled: true},
	}); err != nil {
		return nil, fmt.Errorf("SetUserPoolMfaConfig: %w", err)
	}
	return cleanup, nil
}

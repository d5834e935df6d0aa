package pooltriggers

import (
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// WriteBack returns an UpdateUserPool request that writes pool's whole
// current configuration (as DescribeUserPool returned it) back unchanged.
// UpdateUserPool resets every parameter it is not given: "If you don't
// provide a value for an attribute, Amazon Cognito sets it to its default
// value" (Cognito API reference, UpdateUserPool). So every parameter the
// request accepts is set here from the description; writeback_test.go fails
// when aws-sdk-go-v2's UpdateUserPoolInput grows a field this function
// does not map.
//
// One value is changed on purpose: AdminCreateUserConfig's deprecated
// UnusedAccountValidityDays is dropped when the password policy has
// TemporaryPasswordValidityDays. Cognito refuses a request carrying both
// ("Please use TemporaryPasswordValidityDays in PasswordPolicy instead of
// UnusedAccountValidityDays", reported against UpdateUserPool write-backs by
// Pulumi, Terraform and ACK users), and the newer field is the one in force.
//
// The caller replaces LambdaConfig (a copy: the description is not
// changed).
func WriteBack(pool *types.UserPoolType) *cip.UpdateUserPoolInput {
	in := &cip.UpdateUserPoolInput{
		UserPoolId:                  pool.Id,
		PoolName:                    pool.Name,
		AccountRecoverySetting:      pool.AccountRecoverySetting,
		AdminCreateUserConfig:       adminCreateUserConfig(pool),
		AutoVerifiedAttributes:      pool.AutoVerifiedAttributes,
		DeletionProtection:          pool.DeletionProtection,
		DeviceConfiguration:         pool.DeviceConfiguration,
		EmailConfiguration:          pool.EmailConfiguration,
		EmailVerificationMessage:    pool.EmailVerificationMessage,
		EmailVerificationSubject:    pool.EmailVerificationSubject,
		IssuerConfiguration:         pool.IssuerConfiguration,
		KeyConfiguration:            pool.KeyConfiguration,
		MfaConfiguration:            pool.MfaConfiguration,
		Policies:                    pool.Policies,
		SmsAuthenticationMessage:    pool.SmsAuthenticationMessage,
		SmsConfiguration:            pool.SmsConfiguration,
		SmsVerificationMessage:      pool.SmsVerificationMessage,
		UserAttributeUpdateSettings: pool.UserAttributeUpdateSettings,
		UserPoolAddOns:              pool.UserPoolAddOns,
		UserPoolTags:                pool.UserPoolTags,
		UserPoolTier:                pool.UserPoolTier,
		VerificationMessageTemplate: pool.VerificationMessageTemplate,
	}
	if pool.LambdaConfig != nil {
		lc := *pool.LambdaConfig
		in.LambdaConfig = &lc
	}
	return in
}

// adminCreateUserConfig is the pool's AdminCreateUserConfig without the
// deprecated UnusedAccountValidityDays when TemporaryPasswordValidityDays
// is set (see WriteBack).
func adminCreateUserConfig(pool *types.UserPoolType) *types.AdminCreateUserConfigType {
	c := pool.AdminCreateUserConfig
	if c == nil || c.UnusedAccountValidityDays == 0 || pool.Policies == nil || pool.Policies.PasswordPolicy == nil ||
		pool.Policies.PasswordPolicy.TemporaryPasswordValidityDays == 0 {
		return c
	}
	copied := *c
	copied.UnusedAccountValidityDays = 0
	return &copied
}

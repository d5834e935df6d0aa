package pooltriggers

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// writtenBack maps every field of UpdateUserPoolInput that WriteBack sets
// to the UserPoolType field it copies.
var writtenBack = map[string]string{
	"UserPoolId":                  "Id",
	"PoolName":                    "Name",
	"AccountRecoverySetting":      "AccountRecoverySetting",
	"AdminCreateUserConfig":       "AdminCreateUserConfig", // UnusedAccountValidityDays dropped when superseded, see WriteBack
	"AutoVerifiedAttributes":      "AutoVerifiedAttributes",
	"DeletionProtection":          "DeletionProtection",
	"DeviceConfiguration":         "DeviceConfiguration",
	"EmailConfiguration":          "EmailConfiguration",
	"EmailVerificationMessage":    "EmailVerificationMessage",
	"EmailVerificationSubject":    "EmailVerificationSubject",
	"IssuerConfiguration":         "IssuerConfiguration",
	"KeyConfiguration":            "KeyConfiguration",
	"LambdaConfig":                "LambdaConfig", // a copy; the handler then sets our triggers
	"MfaConfiguration":            "MfaConfiguration",
	"Policies":                    "Policies",
	"SmsAuthenticationMessage":    "SmsAuthenticationMessage",
	"SmsConfiguration":            "SmsConfiguration",
	"SmsVerificationMessage":      "SmsVerificationMessage",
	"UserAttributeUpdateSettings": "UserAttributeUpdateSettings",
	"UserPoolAddOns":              "UserPoolAddOns",
	"UserPoolTags":                "UserPoolTags",
	"UserPoolTier":                "UserPoolTier",
	"VerificationMessageTemplate": "VerificationMessageTemplate",
}

// skippedOnPurpose lists fields of UpdateUserPoolInput that WriteBack
// deliberately leaves unset, with the reason. Empty today: every parameter
// UpdateUserPool accepts is one that DescribeUserPool returns.
var skippedOnPurpose = map[string]string{}

// notWritable lists the UserPoolType fields UpdateUserPool has no parameter
// for, with the reason none is needed.
var notWritable = map[string]string{
	"AliasAttributes":           "fixed at creation (no UpdateUserPool parameter)",
	"UsernameAttributes":        "fixed at creation (no UpdateUserPool parameter)",
	"UsernameConfiguration":     "fixed at creation (no UpdateUserPool parameter)",
	"SchemaAttributes":          "changed only by AddCustomAttributes",
	"Arn":                       "read-only",
	"Id":                        "sent as UserPoolId",
	"Name":                      "sent as PoolName",
	"CreationDate":              "read-only",
	"LastModifiedDate":          "read-only",
	"Status":                    "read-only",
	"EstimatedNumberOfUsers":    "read-only",
	"Domain":                    "managed by Create/UpdateUserPoolDomain",
	"CustomDomain":              "managed by Create/UpdateUserPoolDomain",
	"EmailConfigurationFailure": "read-only status of EmailConfiguration",
	"SmsConfigurationFailure":   "read-only status of SmsConfiguration",
}

func exportedFields(t reflect.Type) []string {
	var out []string
	for i := 0; i < t.NumField(); i++ {
		if f := t.Field(i); f.IsExported() {
			out = append(out, f.Name)
		}
	}
	return out
}

// TestWriteBackMapsEveryUpdateUserPoolParameter fails when aws-sdk-go-v2's
// UpdateUserPoolInput has a field that is neither written back nor skipped
// on purpose (a new UpdateUserPool parameter, which Cognito would reset to
// its default on every attach and detach), or when a listed field is gone.
func TestWriteBackMapsEveryUpdateUserPoolParameter(t *testing.T) {
	fields := exportedFields(reflect.TypeFor[cip.UpdateUserPoolInput]())
	for _, f := range fields {
		_, mapped := writtenBack[f]
		reason, skipped := skippedOnPurpose[f]
		switch {
		case mapped && skipped:
			t.Errorf("UpdateUserPoolInput.%s is both written back and skipped (%s)", f, reason)
		case !mapped && !skipped:
			t.Errorf("UpdateUserPoolInput.%s is new: map it in WriteBack from DescribeUserPool's output (and list it in writtenBack), "+
				"or list it in skippedOnPurpose with the reason; unmapped, UpdateUserPool resets it to its default", f)
		}
	}
	for f := range writtenBack {
		if !slices.Contains(fields, f) {
			t.Errorf("writtenBack lists %s, which UpdateUserPoolInput no longer has", f)
		}
	}
	for f := range skippedOnPurpose {
		if !slices.Contains(fields, f) {
			t.Errorf("skippedOnPurpose lists %s, which UpdateUserPoolInput no longer has", f)
		}
	}
}

// TestEveryDescribedFieldIsClassified fails when UserPoolType (what
// DescribeUserPool returns) grows a field that is neither written back nor
// known to need no write.
func TestEveryDescribedFieldIsClassified(t *testing.T) {
	sources := map[string]bool{}
	for _, src := range writtenBack {
		sources[src] = true
	}
	for _, f := range exportedFields(reflect.TypeFor[types.UserPoolType]()) {
		if _, ok := notWritable[f]; !ok && !sources[f] {
			t.Errorf("UserPoolType.%s is new: if UpdateUserPool accepts it, write it back; otherwise list it in notWritable with the reason", f)
		}
	}
}

// TestWriteBackCopiesEveryValue fills every field of a description
// (recursively) with a value that is not the zero value and checks that
// WriteBack copies each one, field by field, unchanged, except the one
// documented change.
func TestWriteBackCopiesEveryValue(t *testing.T) {
	var pool types.UserPoolType
	fill(reflect.ValueOf(&pool).Elem(), "pool")
	in := WriteBack(&pool)

	iv, pv := reflect.ValueOf(in).Elem(), reflect.ValueOf(pool)
	for dst, src := range writtenBack {
		got, want := iv.FieldByName(dst).Interface(), pv.FieldByName(src).Interface()
		if dst == "AdminCreateUserConfig" {
			c := *pool.AdminCreateUserConfig
			c.UnusedAccountValidityDays = 0 // superseded by TemporaryPasswordValidityDays, see WriteBack
			want = &c
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("UpdateUserPoolInput.%s = %+v, want %+v (from UserPoolType.%s)", dst, got, want, src)
		}
		if isZero(iv.FieldByName(dst)) {
			t.Errorf("UpdateUserPoolInput.%s is empty although the description has a value", dst)
		}
	}
	if in.LambdaConfig == pool.LambdaConfig {
		t.Error("LambdaConfig is shared with the description; the handler would change the description")
	}
}

func TestWriteBackKeepsUnusedAccountValidityDaysWhenItIsTheOnlyOne(t *testing.T) {
	pool := &types.UserPoolType{
		AdminCreateUserConfig: &types.AdminCreateUserConfigType{UnusedAccountValidityDays: 9, AllowAdminCreateUserOnly: true},
		Policies:              &types.UserPoolPolicyType{PasswordPolicy: &types.PasswordPolicyType{}},
	}
	if got := WriteBack(pool).AdminCreateUserConfig; got != pool.AdminCreateUserConfig {
		t.Fatalf("AdminCreateUserConfig changed: %+v", got)
	}
	pool.Policies.PasswordPolicy.TemporaryPasswordValidityDays = 3
	got := WriteBack(pool).AdminCreateUserConfig
	if got.UnusedAccountValidityDays != 0 || !got.AllowAdminCreateUserOnly || pool.AdminCreateUserConfig.UnusedAccountValidityDays != 9 {
		t.Fatalf("got %+v, description now %+v", got, pool.AdminCreateUserConfig)
	}
	if WriteBack(&types.UserPoolType{}).AdminCreateUserConfig != nil {
		t.Fatal("an absent AdminCreateUserConfig was invented")
	}
}

func isZero(v reflect.Value) bool {
	return v.IsZero() || (v.Kind() == reflect.Slice || v.Kind() == reflect.Map) && v.Len() == 0
}

// fill sets every exported field reachable from v to a non-zero value
// derived from its path.
func fill(v reflect.Value, path string) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.Type().Elem() == reflect.TypeFor[time.Time]() {
			at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
			v.Set(reflect.ValueOf(&at))
			return
		}
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), path)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if f := v.Type().Field(i); f.IsExported() {
				fill(v.Field(i), path+"."+f.Name)
			}
		}
	case reflect.String:
		v.SetString(path)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(len(path)%50 + 1))
	case reflect.Float32, reflect.Float64:
		v.SetFloat(1.5)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 1, 1)
		fill(s.Index(0), path+"[0]")
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fill(k, path+".key")
		fill(e, path+".value")
		m.SetMapIndex(k, e)
		v.Set(m)
	case reflect.Interface:
		// document.Interface values (none in these types today) stay nil.
	default:
		panic(fmt.Sprintf("fill: %s has unsupported kind %s", path, v.Kind()))
	}
}

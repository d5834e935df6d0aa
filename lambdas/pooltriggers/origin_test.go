package pooltriggers_test

import (
	"strings"
	"testing"

	"github.com/cognitobridge/cognitobridge/lambdas/pooltriggers"
)

func TestResponseURLError(t *testing.T) {
	for _, ok := range []string{
		"https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/arn%3Aaws?X-Amz-Signature=x",
		"https://cloudformation-custom-resource-response-useast1.s3-us-east-1.amazonaws.com/x",
		"https://cloudformation-custom-resource-response-useast1.s3.us-east-1.amazonaws.com/x",
		"https://CloudFormation-Custom-Resource-Response-USEast1.s3.amazonaws.com:443/x",
	} {
		if err := pooltriggers.ResponseURLError(ok, "us-east-1"); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{
		"",
		"http://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x",
		"https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com:8443/x",
		"https://user:pw@cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x",
		"https://cloudformation-custom-resource-response-euwest1.s3.amazonaws.com/x",
		"https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com.evil.example/x",
		"https://evil.example/cloudformation-custom-resource-response-useast1.s3.amazonaws.com",
		"https://s3.amazonaws.com/cloudformation-custom-resource-response-useast1/x",
	} {
		if err := pooltriggers.ResponseURLError(bad, "us-east-1"); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if err := pooltriggers.ResponseURLError("https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x", ""); err == nil {
		t.Error("accepted without a region")
	}
	cn := pooltriggers.ResponseHosts("cn-north-1")
	if len(cn) != 2 || !strings.HasSuffix(cn[0], ".amazonaws.com.cn") || !strings.Contains(cn[0], "cnnorth1") {
		t.Errorf("China hosts %q", cn)
	}
}

func TestOriginFromEnv(t *testing.T) {
	env := map[string]string{
		"COGNITOBRIDGE_POOLTRIGGERS_STACK_ID":         "arn:aws:cloudformation:eu-west-1:123456789012:stack/App/uuid",
		"COGNITOBRIDGE_POOLTRIGGERS_ALLOWED_TRIGGERS": "DefineAuthChallenge=" + define + ",PreTokenGeneration=" + guard,
	}
	o, err := pooltriggers.OriginFromEnv(func(k string) string { return env[k] })
	if err != nil || len(o.Allowed) != 2 || o.Allowed["PreTokenGeneration"] != guard {
		t.Fatalf("%+v %v", o, err)
	}
	for k, v := range map[string]string{
		"COGNITOBRIDGE_POOLTRIGGERS_STACK_ID":         "",
		"COGNITOBRIDGE_POOLTRIGGERS_ALLOWED_TRIGGERS": "Nope=" + define,
	} {
		bad := map[string]string{}
		for kk, vv := range env {
			bad[kk] = vv
		}
		bad[k] = v
		if _, err := pooltriggers.OriginFromEnv(func(k string) string { return bad[k] }); err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("%s=%q: %v", k, v, err)
		}
	}
	if _, err := pooltriggers.ParseAllowed("PreSignUp=" + define + ",PreSignUp=" + guard); err == nil {
		t.Error("duplicate operation accepted")
	}
	if m, err := pooltriggers.ParseAllowed(""); err != nil || len(m) != 0 {
		t.Errorf("empty list: %v %v", m, err)
	}
}

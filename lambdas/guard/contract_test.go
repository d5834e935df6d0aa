package guard

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// Events shaped like the ones Cognito sends (developer guide examples).
const (
	cognitoV1 = `{
  "version": "1",
  "triggerSource": "TokenGeneration_Authentication",
  "region": "us-east-1",
  "userPoolId": "us-east-1_AbCdEf123",
  "userName": "alice",
  "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": "1example23456789"},
  "request": {
    "userAttributes": {
      "sub": "6f1c2c3e-0000-4000-8000-000000000001",
      "cognito:user_status": "CONFIRMED",
      "email_verified": "true",
      "email": "alice@example.com"
    },
    "groupConfiguration": {"groupsToOverride": [], "iamRolesToOverride": [], "preferredRole": null},
    "clientMetadata": {"stepup_binding": "bXktY2hhbGxlbmdlLXZhbHVl"}
  },
  "response": {"claimsOverrideDetails": null}
}`
	cognitoV2 = `{
  "version": "2",
  "triggerSource": "TokenGeneration_HostedAuth",
  "region": "us-east-1",
  "userPoolId": "us-east-1_AbCdEf123",
  "userName": "alice",
  "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": "1example23456789"},
  "request": {
    "userAttributes": {"sub": "6f1c2c3e-0000-4000-8000-000000000001", "email": "alice@example.com"},
    "groupConfiguration": {"groupsToOverride": ["admins"], "iamRolesToOverride": [], "preferredRole": null},
    "scopes": ["openid", "email", "aws.cognito.signin.user.admin"],
    "clientMetadata": {"k": "v", "stepup_binding": "bXktY2hhbGxlbmdlLXZhbHVl"}
  },
  "response": {"claimsAndScopeOverrideDetails": null}
}`
)

func invoke(t *testing.T, h *Handler, payload string) (map[string]any, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, err := lambda.NewHandler(h.Handle).Invoke(ctx, []byte(payload))
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatalf("response is not JSON: %v: %s", err, out)
	}
	return m, nil
}

func TestContractThroughLambdaHandler(t *testing.T) {
	f := newFakeStore()
	h := newTestHandler(f, nil)

	// No record: refused with the generic message.
	if _, err := invoke(t, h, cognitoV1); err == nil || err.Error() != "step-up required" {
		t.Fatalf("v1 without record: %v", err)
	}

	// With a record: the event comes back, claims untouched.
	f.put(pool, sub, now0.Add(-time.Second))
	m, err := invoke(t, h, cognitoV1)
	if err != nil {
		t.Fatalf("v1 with record: %v", err)
	}
	resp := m["response"].(map[string]any)
	if v, ok := resp["claimsOverrideDetails"]; !ok || v != nil || len(resp) != 1 {
		t.Fatalf("v1 response = %v", resp)
	}
	if m["userPoolId"] != pool || m["triggerSource"] != TriggerAuthentication {
		t.Fatalf("event not echoed: %v", m)
	}
	// Consumed: a replay is refused.
	if _, err := invoke(t, h, cognitoV1); err == nil {
		t.Fatal("v1 replay passed")
	}

	f.put(pool, sub, now0)
	m, err = invoke(t, h, cognitoV2)
	if err != nil {
		t.Fatalf("v2 with record: %v", err)
	}
	resp = m["response"].(map[string]any)
	details, _ := resp["claimsAndScopeOverrideDetails"].(map[string]any)
	if len(resp) != 1 || len(details) != 2 {
		t.Fatalf("v2 response = %v", resp)
	}
	for _, tok := range []string{"accessTokenGeneration", "idTokenGeneration"} {
		claims, _ := details[tok].(map[string]any)["claimsToAddOrOverride"].(map[string]any)
		// "k":"v" is not a reason: the sign-in's own reason is stamped.
		if len(claims) != 2 || claims[contract.ClaimStepUpAt] != float64(now0.Unix()) || claims[contract.ClaimStepUpReason] != contract.StepUpReasonSignIn {
			t.Fatalf("v2 %s = %v", tok, details[tok])
		}
	}
	// With an allowed reason in clientMetadata.
	f.put(pool, sub, now0)
	m, err = invoke(t, h, strings.Replace(cognitoV2, `{"k": "v", `, `{"stepup_reason": "high_value_transaction", `, 1))
	if err != nil {
		t.Fatalf("v2 with reason: %v", err)
	}
	claims := m["response"].(map[string]any)["claimsAndScopeOverrideDetails"].(map[string]any)["accessTokenGeneration"].(map[string]any)["claimsToAddOrOverride"].(map[string]any)
	if claims[contract.ClaimStepUpReason] != contract.StepUpReasonHighValueTransaction {
		t.Fatalf("v2 reason = %v", claims)
	}
	// A v2 refresh passes with no claims.
	m, err = invoke(t, h, strings.Replace(cognitoV2, TriggerHostedAuth, TriggerRefreshTokens, 1))
	if err != nil {
		t.Fatalf("v2 refresh: %v", err)
	}
	if resp := m["response"].(map[string]any); resp["claimsAndScopeOverrideDetails"] != nil || len(resp) != 1 {
		t.Fatalf("v2 refresh response = %v", resp)
	}
	if groups := m["request"].(map[string]any)["groupConfiguration"].(map[string]any)["groupsToOverride"]; len(groups.([]any)) != 1 {
		t.Fatalf("groups not passed through: %v", groups)
	}

	// Refresh passes without a record.
	refresh := strings.Replace(cognitoV1, TriggerAuthentication, TriggerRefreshTokens, 1)
	if _, err := invoke(t, h, refresh); err != nil {
		t.Fatalf("refresh: %v", err)
	}

	// Malformed JSON and wrong attribute types never pass.
	f.put(pool, sub, now0)
	for _, bad := range []string{
		`{`,
		`[]`,
		`{"triggerSource":"TokenGeneration_Authentication","userPoolId":"us-east-1_AbCdEf123","request":{"userAttributes":{"sub":6}}}`,
		`{"triggerSource":"TokenGeneration_Authentication","userPoolId":"us-east-1_AbCdEf123","request":{"userAttributes":{}}}`,
	} {
		if _, err := invoke(t, h, bad); err == nil {
			t.Fatalf("malformed event passed: %s", bad)
		}
	}
}

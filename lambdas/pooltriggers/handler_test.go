package pooltriggers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"

	"github.com/cognitobridge/cognitobridge/lambdas/pooltriggers"
	rp "github.com/cognitobridge/cognitobridge/lambdas/pooltriggers/resourceprops"
)

const poolID = "eu-west-1_AbC123"

// fakeCognito holds pools by id; UpdateUserPool replaces the LambdaConfig
// and records the request.
type fakeCognito struct {
	mu          sync.Mutex
	pools       map[string]*types.UserPoolType
	updates     []*cip.UpdateUserPoolInput
	describes   int
	describeErr error
	updateErr   error
}

func (f *fakeCognito) DescribeUserPool(_ context.Context, in *cip.DescribeUserPoolInput, _ ...func(*cip.Options)) (*cip.DescribeUserPoolOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.describes++
	if f.describeErr != nil {
		return nil, f.describeErr
	}
	p, ok := f.pools[aws.ToString(in.UserPoolId)]
	if !ok {
		return nil, &smithy.GenericAPIError{Code: "ResourceNotFoundException", Message: "User pool " + aws.ToString(in.UserPoolId) + " does not exist."}
	}
	copied := *p
	return &cip.DescribeUserPoolOutput{UserPool: &copied}, nil
}

func (f *fakeCognito) UpdateUserPool(_ context.Context, in *cip.UpdateUserPoolInput, _ ...func(*cip.Options)) (*cip.UpdateUserPoolOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.updates = append(f.updates, in)
	if f.updateErr != nil {
		return nil, f.updateErr
	}
	f.pools[aws.ToString(in.UserPoolId)].LambdaConfig = in.LambdaConfig
	return &cip.UpdateUserPoolOutput{}, nil
}

func newPool(lc *types.LambdaConfigType) *types.UserPoolType {
	return &types.UserPoolType{
		Id:               aws.String(poolID),
		Name:             aws.String("existing"),
		MfaConfiguration: types.UserPoolMfaTypeOptional,
		Policies:         &types.UserPoolPolicyType{PasswordPolicy: &types.PasswordPolicyType{MinimumLength: aws.Int32(12)}},
		UserPoolTags:     map[string]string{"team": "identity"},
		LambdaConfig:     lc,
	}
}

type harness struct {
	cognito *fakeCognito
	h       *pooltriggers.Handler
	logs    *bytes.Buffer
}

func newHarness(pools ...*types.UserPoolType) *harness {
	f := &fakeCognito{pools: map[string]*types.UserPoolType{}}
	for _, p := range pools {
		f.pools[aws.ToString(p.Id)] = p
	}
	logs := &bytes.Buffer{}
	return &harness{cognito: f, logs: logs, h: &pooltriggers.Handler{
		Cognito: f,
		Logger:  slog.New(slog.NewJSONHandler(logs, nil)),
		Region:  "eu-west-1",
	}}
}

func props(pool string, ts ...rp.Trigger) map[string]interface{} {
	list := make([]interface{}, 0, len(ts))
	for _, t := range ts {
		m := map[string]interface{}{rp.Operation: t.Operation, rp.LambdaArn: t.LambdaArn}
		if t.LambdaVersion != "" {
			m[rp.LambdaVersion] = t.LambdaVersion
		}
		list = append(list, m)
	}
	return map[string]interface{}{"ServiceToken": "arn:aws:lambda:eu-west-1:123456789012:function:cr", rp.UserPoolID: pool, rp.Triggers: list}
}

func event(typ cfn.RequestType, physical string, newProps, oldProps map[string]interface{}) cfn.Event {
	return cfn.Event{
		RequestType: typ, RequestID: "req-1", LogicalResourceID: "PoolTriggers",
		StackID:            "arn:aws:cloudformation:eu-west-1:123456789012:stack/s/1",
		ResponseURL:        "https://cloudformation-custom-resource-response-euwest1.s3.amazonaws.com/x?X-Amz-Signature=SECRETSIGNATURE",
		PhysicalResourceID: physical, ResourceProperties: newProps, OldResourceProperties: oldProps,
	}
}

// line returns the one log line of the request, decoded.
func (hs *harness) line(t *testing.T) map[string]interface{} {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(hs.logs.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("want one log line, got %d:\n%s", len(lines), hs.logs.String())
	}
	var m map[string]interface{}
	if err := json.Unmarshal([]byte(lines[0]), &m); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(lines[0], "SECRETSIGNATURE") || strings.Contains(lines[0], "ResponseURL") {
		t.Fatalf("the event was logged: %s", lines[0])
	}
	hs.logs.Reset()
	return m
}

func TestCreateAttachesAndWritesTheWholeConfigurationBack(t *testing.T) {
	pool := newPool(&types.LambdaConfigType{PostConfirmation: aws.String(postConf)})
	hs := newHarness(pool)
	id, _, err := hs.h.Handle(context.Background(), event(cfn.RequestCreate, "", props(poolID, tr(rp.OpDefineAuthChallenge, define),
		rp.Trigger{Operation: rp.OpPreTokenGeneration, LambdaArn: guard, LambdaVersion: "V2_0"}), nil))
	if err != nil {
		t.Fatal(err)
	}
	if id != "pooltriggers:"+poolID {
		t.Errorf("physical id %q", id)
	}
	if len(hs.cognito.updates) != 1 {
		t.Fatalf("%d updates", len(hs.cognito.updates))
	}
	in := hs.cognito.updates[0]
	if aws.ToString(in.PoolName) != "existing" || in.MfaConfiguration != types.UserPoolMfaTypeOptional ||
		aws.ToInt32(in.Policies.PasswordPolicy.MinimumLength) != 12 || in.UserPoolTags["team"] != "identity" {
		t.Errorf("configuration not written back: %+v", in)
	}
	lc := in.LambdaConfig
	if aws.ToString(lc.PostConfirmation) != postConf || aws.ToString(lc.DefineAuthChallenge) != define ||
		aws.ToString(lc.PreTokenGeneration) != guard || lc.PreTokenGenerationConfig.LambdaVersion != "V2_0" {
		t.Errorf("LambdaConfig %s", show(*lc))
	}
	l := hs.line(t)
	if l["reason"] != pooltriggers.ReasonAttached || l["pool"] != poolID || l["request"] != "Create" {
		t.Errorf("log %v", l)
	}

	// The same Create again (CloudFormation retries): nothing to write.
	if _, _, err := hs.h.Handle(context.Background(), event(cfn.RequestCreate, "", props(poolID, tr(rp.OpDefineAuthChallenge, define),
		rp.Trigger{Operation: rp.OpPreTokenGeneration, LambdaArn: guard, LambdaVersion: "V2_0"}), nil)); err != nil {
		t.Fatal(err)
	}
	if len(hs.cognito.updates) != 1 {
		t.Errorf("an attached pool was written again")
	}
	if l := hs.line(t); l["reason"] != pooltriggers.ReasonAlreadyAttached {
		t.Errorf("log %v", l)
	}
}

func TestCreateRefusesATakenTrigger(t *testing.T) {
	hs := newHarness(newPool(&types.LambdaConfigType{DefineAuthChallenge: aws.String(foreign)}))
	_, _, err := hs.h.Handle(context.Background(), event(cfn.RequestCreate, "", props(poolID, tr(rp.OpCreateAuthChallenge, create), tr(rp.OpDefineAuthChallenge, define)), nil))
	if err == nil {
		t.Fatal("no refusal")
	}
	for _, want := range []string{"trigger DefineAuthChallenge of user pool " + poolID + " is taken by " + foreign, "did not attach"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if len(hs.cognito.updates) != 0 {
		t.Error("the pool was written")
	}
	if l := hs.line(t); l["reason"] != pooltriggers.ReasonTriggerTaken || l["holder"] != foreign || l["operation"] != rp.OpDefineAuthChallenge {
		t.Errorf("log %v", l)
	}
}

func TestUpdate(t *testing.T) {
	t.Run("our previous function is replaced, a dropped trigger emptied", func(t *testing.T) {
		hs := newHarness(newPool(&types.LambdaConfigType{DefineAuthChallenge: aws.String(defineOld), CreateAuthChallenge: aws.String(create)}))
		id, _, err := hs.h.Handle(context.Background(), event(cfn.RequestUpdate, "pooltriggers:"+poolID,
			props(poolID, tr(rp.OpDefineAuthChallenge, define)),
			props(poolID, tr(rp.OpDefineAuthChallenge, defineOld), tr(rp.OpCreateAuthChallenge, create))))
		if err != nil || id != "pooltriggers:"+poolID {
			t.Fatal(id, err)
		}
		lc := hs.cognito.pools[poolID].LambdaConfig
		if aws.ToString(lc.DefineAuthChallenge) != define || lc.CreateAuthChallenge != nil {
			t.Errorf("LambdaConfig %s", show(*lc))
		}
		if l := hs.line(t); l["reason"] != pooltriggers.ReasonAttached {
			t.Errorf("log %v", l)
		}
	})
	t.Run("another pool: the old ARN proves nothing there, and the id changes", func(t *testing.T) {
		other := newPool(&types.LambdaConfigType{DefineAuthChallenge: aws.String(defineOld)})
		other.Id = aws.String("eu-west-1_Other")
		hs := newHarness(newPool(nil), other)
		id, _, err := hs.h.Handle(context.Background(), event(cfn.RequestUpdate, "pooltriggers:"+poolID,
			props("eu-west-1_Other", tr(rp.OpDefineAuthChallenge, define)),
			props(poolID, tr(rp.OpDefineAuthChallenge, defineOld))))
		if err == nil || !strings.Contains(err.Error(), "taken by "+defineOld) {
			t.Fatalf("error %v", err)
		}
		if id != "pooltriggers:eu-west-1_Other" {
			t.Errorf("physical id %q", id)
		}
	})
	t.Run("unreadable old properties give no ownership", func(t *testing.T) {
		hs := newHarness(newPool(&types.LambdaConfigType{DefineAuthChallenge: aws.String(defineOld)}))
		_, _, err := hs.h.Handle(context.Background(), event(cfn.RequestUpdate, "pooltriggers:"+poolID,
			props(poolID, tr(rp.OpDefineAuthChallenge, define)), map[string]interface{}{rp.UserPoolID: 7}))
		if err == nil || !strings.Contains(err.Error(), "taken by "+defineOld) {
			t.Fatalf("error %v", err)
		}
	})
}

func TestDelete(t *testing.T) {
	ours := props(poolID, tr(rp.OpDefineAuthChallenge, define), tr(rp.OpCreateAuthChallenge, create))
	t.Run("our slots are emptied, others stay", func(t *testing.T) {
		hs := newHarness(newPool(&types.LambdaConfigType{PostConfirmation: aws.String(postConf), DefineAuthChallenge: aws.String(define), CreateAuthChallenge: aws.String(foreign)}))
		id, _, err := hs.h.Handle(context.Background(), event(cfn.RequestDelete, "pooltriggers:"+poolID, ours, nil))
		if err != nil || id != "pooltriggers:"+poolID {
			t.Fatal(id, err)
		}
		lc := hs.cognito.pools[poolID].LambdaConfig
		if lc.DefineAuthChallenge != nil || aws.ToString(lc.CreateAuthChallenge) != foreign || aws.ToString(lc.PostConfirmation) != postConf {
			t.Errorf("LambdaConfig %s", show(*lc))
		}
		in := hs.cognito.updates[0]
		if aws.ToString(in.PoolName) != "existing" || in.UserPoolTags["team"] != "identity" {
			t.Errorf("configuration not written back: %+v", in)
		}
		l := hs.line(t)
		if l["reason"] != pooltriggers.ReasonDetached || !strings.Contains(toJSON(l["left"]), rp.OpCreateAuthChallenge) {
			t.Errorf("log %v", l)
		}
	})
	t.Run("nothing of ours: no write", func(t *testing.T) {
		hs := newHarness(newPool(&types.LambdaConfigType{PostConfirmation: aws.String(postConf)}))
		if _, _, err := hs.h.Handle(context.Background(), event(cfn.RequestDelete, "pooltriggers:"+poolID, ours, nil)); err != nil {
			t.Fatal(err)
		}
		if len(hs.cognito.updates) != 0 {
			t.Error("written")
		}
		if l := hs.line(t); l["reason"] != pooltriggers.ReasonNothingToDetach {
			t.Errorf("log %v", l)
		}
	})
	t.Run("a pool that no longer exists is deleted", func(t *testing.T) {
		hs := newHarness()
		if _, _, err := hs.h.Handle(context.Background(), event(cfn.RequestDelete, "pooltriggers:"+poolID, ours, nil)); err != nil {
			t.Fatal(err)
		}
		if l := hs.line(t); l["reason"] != pooltriggers.ReasonPoolGone {
			t.Errorf("log %v", l)
		}
	})
	t.Run("a resource whose properties never parsed attached nothing", func(t *testing.T) {
		hs := newHarness()
		// The physical id of a failed Create is the request id (cfn.LambdaWrap's fallback).
		id, _, err := hs.h.Handle(context.Background(), event(cfn.RequestDelete, "req-0", map[string]interface{}{rp.UserPoolID: "not a pool"}, nil))
		if err != nil || id != "req-0" || hs.cognito.describes != 0 {
			t.Fatal(id, err, hs.cognito.describes)
		}
		if l := hs.line(t); l["reason"] != pooltriggers.ReasonInvalidProperties {
			t.Errorf("log %v", l)
		}
	})
	t.Run("an AWS failure fails the delete (triggers must not be left behind silently)", func(t *testing.T) {
		hs := newHarness(newPool(nil))
		hs.cognito.describeErr = &smithy.GenericAPIError{Code: "TooManyRequestsException", Message: "Rate exceeded"}
		_, _, err := hs.h.Handle(context.Background(), event(cfn.RequestDelete, "pooltriggers:"+poolID, ours, nil))
		if err == nil || !strings.Contains(err.Error(), "TooManyRequestsException") {
			t.Fatalf("error %v", err)
		}
		if l := hs.line(t); l["reason"] != pooltriggers.ReasonDescribeFailed {
			t.Errorf("log %v", l)
		}
	})
}

func TestRefusals(t *testing.T) {
	valid := props(poolID, tr(rp.OpPreSignUp, define))
	for _, c := range []struct {
		name   string
		ev     cfn.Event
		setup  func(*fakeCognito)
		reason string
		want   string
	}{
		{"invalid properties", event(cfn.RequestCreate, "", props(poolID, tr("preSignUp", define)), nil), nil,
			pooltriggers.ReasonInvalidProperties, `expected Triggers[0].Operation to be one of`},
		{"properties of the wrong shape", event(cfn.RequestCreate, "", map[string]interface{}{rp.UserPoolID: poolID, rp.Triggers: "PreSignUp"}, nil), nil,
			pooltriggers.ReasonInvalidProperties, "expected properties UserPoolId (string) and Triggers (list of {Operation, LambdaArn, LambdaVersion})"},
		{"pool not found", event(cfn.RequestCreate, "", props("eu-west-1_Nope", tr(rp.OpPreSignUp, define)), nil), nil,
			pooltriggers.ReasonPoolNotFound, "user pool eu-west-1_Nope not found in this account and region"},
		{"pool of another region", event(cfn.RequestCreate, "", props("us-east-1_Abc", tr(rp.OpPreSignUp, define)), nil), nil,
			pooltriggers.ReasonWrongRegion, "expected a user pool of region eu-west-1 (the function's), received us-east-1_Abc"},
		{"describe fails", event(cfn.RequestCreate, "", valid, nil),
			func(f *fakeCognito) {
				f.describeErr = &smithy.GenericAPIError{Code: "NotAuthorizedException", Message: "no"}
			},
			pooltriggers.ReasonDescribeFailed, "DescribeUserPool " + poolID + " failed: NotAuthorizedException: no"},
		{"update denied on a pool with an SMS role", event(cfn.RequestCreate, "", valid, nil),
			func(f *fakeCognito) {
				f.pools[poolID].SmsConfiguration = &types.SmsConfigurationType{SnsCallerArn: aws.String("arn:aws:iam::123456789012:role/sms")}
				f.updateErr = &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not authorized to perform: iam:PassRole"}
			},
			pooltriggers.ReasonUpdateFailed, "iam:PassRole on it, see PoolTriggersProps.SmsRole"},
		{"update fails", event(cfn.RequestCreate, "", valid, nil),
			func(f *fakeCognito) {
				f.updateErr = &smithy.GenericAPIError{Code: "InvalidParameterException", Message: "bad"}
			},
			pooltriggers.ReasonUpdateFailed, "UpdateUserPool " + poolID + " failed: InvalidParameterException: bad"},
		{"unknown request type", event("Rename", "x", valid, nil), nil, pooltriggers.ReasonUnknownRequest, `expected a Create, Update or Delete request, received "Rename"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			hs := newHarness(newPool(nil))
			if c.setup != nil {
				c.setup(hs.cognito)
			}
			_, _, err := hs.h.Handle(context.Background(), c.ev)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
			if l := hs.line(t); l["reason"] != c.reason || l["level"] != "ERROR" {
				t.Errorf("log %v", l)
			}
		})
	}
}

// TestContractThroughLambdaWrap runs a CloudFormation request, as JSON,
// through the same wrapping as lambdas/cmd/pool-triggers and checks what
// reaches the pre-signed ResponseURL.
func TestContractThroughLambdaWrap(t *testing.T) {
	type answer struct {
		Status, Reason, PhysicalResourceId, RequestId, LogicalResourceId, StackId string
	}
	answers := make(chan answer, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var a answer
		body, _ := io.ReadAll(r.Body)
		if r.Method != http.MethodPut || r.URL.Query().Get("X-Amz-Signature") != "SIG" || json.Unmarshal(body, &a) != nil {
			t.Errorf("unexpected response request %s %s %s", r.Method, r.URL, body)
		}
		answers <- a
	}))
	defer srv.Close()

	hs := newHarness(newPool(&types.LambdaConfigType{DefineAuthChallenge: aws.String(foreign)}))
	handler := lambda.NewHandler(cfn.LambdaWrap(hs.h.Handle))
	invoke := func(typ string, triggers string) answer {
		t.Helper()
		payload := `{"RequestType":"` + typ + `","RequestId":"r-1","ResponseURL":"` + srv.URL + `/resp?X-Amz-Signature=SIG",
			"ResourceType":"Custom::CognitoPoolTriggers","LogicalResourceId":"Triggers","StackId":"stack-1",
			"PhysicalResourceId":"pooltriggers:` + poolID + `",
			"ResourceProperties":{"ServiceToken":"arn:aws:lambda:eu-west-1:123456789012:function:cr","UserPoolId":"` + poolID + `","Triggers":` + triggers + `}}`
		if _, err := handler.Invoke(context.Background(), []byte(payload)); err != nil {
			t.Fatal(err)
		}
		return <-answers
	}

	taken := `[{"Operation":"DefineAuthChallenge","LambdaArn":"` + define + `"}]`
	a := invoke("Create", taken)
	if a.Status != "FAILED" || !strings.Contains(a.Reason, "taken by "+foreign) || a.RequestId != "r-1" || a.LogicalResourceId != "Triggers" || a.StackId != "stack-1" {
		t.Errorf("answer %+v", a)
	}
	if a.PhysicalResourceId != "pooltriggers:"+poolID {
		t.Errorf("physical id %q", a.PhysicalResourceId)
	}
	free := `[{"Operation":"PreTokenGeneration","LambdaArn":"` + guard + `","LambdaVersion":"V2_0"}]`
	if a := invoke("Create", free); a.Status != "SUCCESS" {
		t.Errorf("answer %+v", a)
	}
	if a := invoke("Delete", free); a.Status != "SUCCESS" || a.PhysicalResourceId != "pooltriggers:"+poolID {
		t.Errorf("answer %+v", a)
	}
	lc := hs.cognito.pools[poolID].LambdaConfig
	if aws.ToString(lc.DefineAuthChallenge) != foreign || lc.PreTokenGeneration != nil || lc.PreTokenGenerationConfig != nil {
		t.Errorf("after delete: %s", show(*lc))
	}
	if strings.Contains(hs.logs.String(), "SIG") || strings.Contains(hs.logs.String(), srv.URL) {
		t.Errorf("the response URL was logged: %s", hs.logs.String())
	}
	if n := strings.Count(hs.logs.String(), "\n"); n != 3 {
		t.Errorf("%d log lines for 3 requests:\n%s", n, hs.logs.String())
	}
}

func toJSON(v interface{}) string {
	b, _ := json.Marshal(v)
	return string(b)
}

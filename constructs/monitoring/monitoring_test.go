package monitoring

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"

	"github.com/cognitobridge/cognitobridge/constructs/internal/cdktest"
	"github.com/cognitobridge/cognitobridge/constructs/internal/gofn"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

func TestMain(m *testing.M) { cdktest.Main(m) }

func verifyStack(t *testing.T) awscdk.Stack {
	stack := cdktest.NewStack()
	gofn.New(stack, "Verify", gofn.Props{ImportPath: "github.com/cognitobridge/cognitobridge/lambdas/cmd/stepup-verify", Code: cdktest.StubCode(t)})
	return stack
}

// TestAlarmsOnTheContractNames: the created alarms name the handlers' EMF
// metrics and dimensions, the watched refusals of the function's handler,
// and notify an encrypted, TLS-only topic.
func TestAlarmsOnTheContractNames(t *testing.T) {
	stack := verifyStack(t)
	m := NewMonitoring(stack, jsii.String("Monitoring"), nil)
	tmpl := assertions.Template_FromStack(stack, nil)
	// Faults, Duration, and the three watched refusals of stepup_verify.
	if n := len(m.Alarms()); n != 5 {
		t.Fatalf("alarms = %d", n)
	}
	tmpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), map[string]any{
		"Namespace": contract.MetricNamespace, "MetricName": contract.MetricDecisions, "Statistic": "Sum", "Threshold": DefaultRefusalThreshold, "Period": 300,
		"Dimensions": assertions.Match_ArrayWith(&[]any{map[string]any{"Name": contract.DimensionReason, "Value": contract.ReasonEnrollmentMismatch}}),
	})
	tmpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), map[string]any{
		"Namespace": contract.MetricNamespace, "MetricName": contract.MetricDuration, "ExtendedStatistic": "p99", "Threshold": DefaultDurationThresholdMs,
	})
	tmpl.HasResourceProperties(jsii.String("AWS::SNS::Topic"), map[string]any{"KmsMasterKeyId": map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^MonitoringTopicKey")), "Arn"}}})
	tmpl.HasResourceProperties(jsii.String("AWS::KMS::Key"), map[string]any{"EnableKeyRotation": true})
	tmpl.HasResourceProperties(jsii.String("AWS::SNS::TopicPolicy"), map[string]any{
		"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
			"Effect": "Deny", "Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
		})})},
	})
	tmpl.ResourceCountIs(jsii.String("AWS::CloudWatch::Dashboard"), jsii.Number(1))
	raw, _ := json.Marshal(tmpl.FindResources(jsii.String("AWS::CloudWatch::Alarm"), nil))
	if strings.Count(string(raw), `"AlarmActions"`) != 5 {
		t.Fatal("an alarm without an action")
	}
}

// TestGivenTopic: an existing topic is used and none is created.
func TestGivenTopic(t *testing.T) {
	stack := verifyStack(t)
	topic := awssns.Topic_FromTopicArn(stack, jsii.String("Ops"), jsii.String("arn:aws:sns:us-east-1:123456789012:ops"))
	NewMonitoring(stack, jsii.String("Monitoring"), &MonitoringProps{Topic: topic, RefusalThreshold: jsii.Number(3)})
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.ResourceCountIs(jsii.String("AWS::SNS::Topic"), jsii.Number(0))
	tmpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), map[string]any{"Threshold": 3, "AlarmActions": []any{"arn:aws:sns:us-east-1:123456789012:ops"}})
}

// TestProps: every prop error at once; nothing to watch is an error too.
func TestProps(t *testing.T) {
	err := (&MonitoringProps{RefusalThreshold: jsii.Number(0), DurationThresholdMs: jsii.Number(60000), Period: awscdk.Duration_Seconds(jsii.Number(90))}).validate()
	for _, want := range []string{"expected RefusalThreshold above 0, received 0", "expected DurationThresholdMs from 1 to 30000, received 60000", "expected a Period of whole minutes from 1 to 60, received 90 s"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%v: want %q", err, want)
		}
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "expected cognitobridge functions in Test, received none") {
			t.Fatalf("panic %v", r)
		}
	}()
	NewMonitoring(cdktest.NewStack(), jsii.String("Monitoring"), nil)
}

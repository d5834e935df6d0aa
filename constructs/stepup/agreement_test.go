package stepup

import (
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/guard"
	handler "github.com/cognitobridge/cognitobridge/lambdas/stepup"
)

// handlersRead renders props as NewStepUp writes the functions'
// environments and reads them back with the handlers' own readers (Define,
// Create/Verify and the guard): the error of the first that refuses.
func handlersRead(p *StepUpProps) error {
	timeoutMillis := orDuration(p.Timeout, DefaultTimeoutSeconds*1000)
	defineEnv, providerEnv := p.handlerEnv(timeoutMillis, orDuration(p.SecretCacheTTL, DefaultSecretTTLSeconds*1000)/1000)
	reasons := reasonsJSON(p.stepUpReasons())
	defineEnv[contract.EnvStepUpReasons] = reasons
	if _, err := handler.DefineConfigFromEnv(func(k string) string { return defineEnv[k] }); err != nil {
		return err
	}
	recordEnv := stepUpRecordEnv("T", orDuration(p.StepUpWindow, DefaultStepUpWindowSeconds*1000)/1000)
	verifyEnv := map[string]string{contract.EnvSecretARN: "arn:aws:secretsmanager:eu-west-1:111122223333:secret:s-AbCdEf"}
	maps.Copy(verifyEnv, providerEnv)
	maps.Copy(verifyEnv, recordEnv)
	maps.Copy(verifyEnv, p.verifyOnlyEnv(orDuration(p.AuthTimeSkew, DefaultAuthTimeSkewSeconds*1000)/1000))
	if _, err := handler.ConfigFromEnv(func(k string) string { return verifyEnv[k] }); err != nil {
		return err
	}
	guardEnv := maps.Clone(recordEnv)
	guardEnv[contract.EnvStepUpReasons] = reasons
	guardEnv[contract.EnvStepUpPolicy] = string(p.policy())
	_, err := guard.ConfigFromEnv(func(k string) string { return guardEnv[k] })
	return err
}

// TestConstructAndHandlersAgree: over the shared rules' bounds
// (lambdas/contract), the construct refuses exactly the props whose
// rendered configuration a handler would refuse at its first invocation.
func TestConstructAndHandlersAgree(t *testing.T) {
	reasons := func(n int) *[]*string {
		var l []*string
		for i := range n {
			l = append(l, jsii.String(fmt.Sprintf("r%d", i)))
		}
		return &l
	}
	seconds := func(v float64) awscdk.Duration { return awscdk.Duration_Seconds(jsii.Number(v)) }
	millis := func(v float64) awscdk.Duration { return awscdk.Duration_Millis(jsii.Number(v)) }
	cases := []struct {
		name string
		edit func(p *StepUpProps)
	}{
		{"defaults", func(*StepUpProps) {}},
		{"one reason", func(p *StepUpProps) { p.StepUpReasons = jsii.Strings("payout_change") }},
		// The construct writes each reason once: the handlers' distinct rule holds.
		{"a repeated reason", func(p *StepUpProps) { p.StepUpReasons = jsii.Strings("payout_change", "payout_change") }},
		{"no reason", func(p *StepUpProps) { p.StepUpReasons = &[]*string{} }},
		{"upper case reason", func(p *StepUpProps) { p.StepUpReasons = jsii.Strings("Payout") }},
		{"reason with a space", func(p *StepUpProps) { p.StepUpReasons = jsii.Strings("a b") }},
		{"64 character reason", func(p *StepUpProps) { p.StepUpReasons = jsii.Strings(strings.Repeat("a", 64)) }},
		{"65 character reason", func(p *StepUpProps) { p.StepUpReasons = jsii.Strings(strings.Repeat("a", 65)) }},
		{"most reasons", func(p *StepUpProps) { p.StepUpReasons = reasons(contract.MaxStepUpReasons) }},
		{"too many reasons", func(p *StepUpProps) { p.StepUpReasons = reasons(contract.MaxStepUpReasons + 1) }},
		{"on demand", func(p *StepUpProps) { p.Policy = StepUpPolicy_ON_DEMAND }},
		{"unknown policy", func(p *StepUpProps) { p.Policy = "sometimes" }},
		{"max attempts 0", func(p *StepUpProps) { p.MaxAttempts = jsii.Number(0) }},
		{"max attempts 1", func(p *StepUpProps) { p.MaxAttempts = jsii.Number(1) }},
		{"max attempts at the bound", func(p *StepUpProps) { p.MaxAttempts = jsii.Number(contract.MaxMaxAttempts) }},
		{"max attempts over the bound", func(p *StepUpProps) { p.MaxAttempts = jsii.Number(contract.MaxMaxAttempts + 1) }},
		{"max attempts 2.5", func(p *StepUpProps) { p.MaxAttempts = jsii.Number(2.5) }},
		{"window 0", func(p *StepUpProps) { p.StepUpWindow = seconds(0) }},
		{"window 1 s", func(p *StepUpProps) { p.StepUpWindow = seconds(1) }},
		{"window at the bound", func(p *StepUpProps) { p.StepUpWindow = seconds(contract.MaxStepUpWindowSeconds) }},
		{"window over the bound", func(p *StepUpProps) { p.StepUpWindow = seconds(contract.MaxStepUpWindowSeconds + 1) }},
		{"window 1.5 s", func(p *StepUpProps) { p.StepUpWindow = millis(1500) }},
		{"skew 0", func(p *StepUpProps) { p.AuthTimeSkew = seconds(0) }},
		{"skew at the bound", func(p *StepUpProps) { p.AuthTimeSkew = seconds(contract.MaxAuthTimeSkewSeconds) }},
		{"skew over the bound", func(p *StepUpProps) { p.AuthTimeSkew = seconds(contract.MaxAuthTimeSkewSeconds + 1) }},
		{"skew 1.5 s", func(p *StepUpProps) { p.AuthTimeSkew = millis(1500) }},
		{"starts at the bounds", func(p *StepUpProps) {
			p.MaxStartsPerUser, p.StartsWindow = jsii.Number(contract.MaxUserCapStarts), seconds(contract.MaxUserCapWindowSeconds)
		}},
		{"session at the bounds", func(p *StepUpProps) {
			p.Provider = &Provider{BlockIDSession: &BlockIDSessionProvider{
				SessionTimeout: seconds(contract.MaxSessionTimeoutSeconds), PendingWait: millis(contract.MaxSessionPendingWaitMillis),
			}}
		}},
		{"session timeout under the bound", func(p *StepUpProps) {
			p.Provider = &Provider{BlockIDSession: &BlockIDSessionProvider{SessionTimeout: seconds(contract.MinSessionTimeoutSeconds - 1)}}
		}},
		{"session timeout over the bound", func(p *StepUpProps) {
			p.Provider = &Provider{BlockIDSession: &BlockIDSessionProvider{SessionTimeout: seconds(contract.MaxSessionTimeoutSeconds + 1)}}
		}},
		{"session pending wait over the bound", func(p *StepUpProps) {
			p.Provider = &Provider{BlockIDSession: &BlockIDSessionProvider{PendingWait: millis(contract.MaxSessionPendingWaitMillis + 1)}}
		}},
		{"session reason", func(p *StepUpProps) {
			p.Provider = &Provider{BlockIDSession: &BlockIDSessionProvider{Reason: jsii.String("Payout")}}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := &StepUpProps{Provider: &Provider{BlockID: &BlockIDProvider{}}}
			c.edit(p)
			constructErr, handlerErr := p.validate(), handlersRead(p)
			if (constructErr == nil) != (handlerErr == nil) {
				t.Fatalf("construct: %v; handlers: %v", constructErr, handlerErr)
			}
		})
	}
}

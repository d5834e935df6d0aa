package contract

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestParseStepUpReasons(t *testing.T) {
	if got, err := ParseStepUpReasons(""); err != nil || !slices.Equal(got, []string{StepUpReasonHighValueTransaction}) {
		t.Fatalf("default = %v, %v", got, err)
	}
	var names []string
	for i := range MaxStepUpReasons {
		names = append(names, fmt.Sprintf("%q", fmt.Sprintf("r%d", i)))
	}
	thirtyTwo := "[" + strings.Join(names, ",") + "]"
	for _, ok := range []string{`["a"]`, `["high_value_transaction","payout_change"]`, `["` + strings.Repeat("a", 64) + `"]`, thirtyTwo} {
		if _, err := ParseStepUpReasons(ok); err != nil {
			t.Errorf("%s refused: %v", ok, err)
		}
	}
	for _, bad := range []string{`[]`, `{}`, `"x"`, `[""]`, `["a b"]`, `["A"]`, `["a","a"]`, `[1]`, `["` + strings.Repeat("a", 65) + `"]`, `not json`,
		strings.Replace(thirtyTwo, "]", `,"one_more"]`, 1)} {
		if _, err := ParseStepUpReasons(bad); err == nil || !strings.Contains(err.Error(), EnvStepUpReasons) {
			t.Errorf("%s accepted: %v", bad, err)
		}
	}
}

func TestParseStepUpPolicy(t *testing.T) {
	for in, want := range map[string]string{"": PolicyAlways, PolicyAlways: PolicyAlways, PolicyOnDemand: PolicyOnDemand} {
		if got, err := ParseStepUpPolicy(in); err != nil || got != want {
			t.Errorf("ParseStepUpPolicy(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseStepUpPolicy("ALWAYS"); err == nil || !strings.Contains(err.Error(), EnvStepUpPolicy) {
		t.Errorf("ALWAYS accepted: %v", err)
	}
}

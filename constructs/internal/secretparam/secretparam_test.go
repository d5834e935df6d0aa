package secretparam

import (
	"encoding/json"
	"regexp"
	"testing"
)

// TestAProviderSecretWithQuoteAndBackslash: a client secret holding " or \
// placed in CDK's SecretObjectValue join would break (or rewrite) the JSON
// secret; the parameter's AllowedPattern refuses it at deploy, and every
// value it accepts makes valid JSON with the value intact.
func TestAProviderSecretWithQuoteAndBackslash(t *testing.T) {
	pattern := regexp.MustCompile(JSONSafe)
	// What CloudFormation builds: Fn::Join of the literal pieces and the value.
	join := func(v string) string { return `{"clientSecret":"` + v + `"}` }
	for _, bad := range []string{`abc"def`, `abc\def`, `x","clientId":"attacker`, "line\nbreak", "tab\there", `\u0022`} {
		if pattern.MatchString(bad) {
			t.Errorf("%q accepted", bad)
		}
		var m map[string]string
		if err := json.Unmarshal([]byte(join(bad)), &m); err == nil && m["clientSecret"] == bad {
			t.Errorf("%q would have survived the join: the test shows nothing", bad)
		}
	}
	for _, good := range []string{"s3cr3t", "a-b_c.d~e!#$%&'()*+,/:;<=>?@[]^`{|}", "ünïcödé €", "  spaces  ", "x00-x1f 0123456789"} {
		if !pattern.MatchString(good) {
			t.Errorf("%q refused", good)
			continue
		}
		var m map[string]string
		if err := json.Unmarshal([]byte(join(good)), &m); err != nil || m["clientSecret"] != good {
			t.Errorf("%q: joined JSON %v %q", good, err, m["clientSecret"])
		}
	}
}

func TestOIDCLabel(t *testing.T) {
	for in, want := range map[string]string{"OIDC": "OIDC", "": "OIDC", "Mosaic": "Mosaic OIDC", "Biopass": "Biopass OIDC"} {
		if got := OIDCLabel(in); got != want {
			t.Errorf("OIDCLabel(%q) = %q, want %q", in, got, want)
		}
	}
}

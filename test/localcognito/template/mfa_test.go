package template

import (
	"bytes"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestPoolMFA: the pool's MfaConfiguration and EnabledMfas reach the
// Config, and a factor the endpoint does not implement fails the load,
// naming it, unless MFA is OFF.
func TestPoolMFA(t *testing.T) {
	path := filepath.Join("..", "..", "testdata", "identity-proofing.template.json")
	p, err := Load(path, Options{Parameters: allParameters(t, path)})
	if err != nil {
		t.Fatal(err)
	}
	if p.Config.MfaConfiguration != "ON" || !slices.Equal(p.Config.EnabledMfas, []string{"SOFTWARE_TOKEN_MFA"}) {
		t.Fatalf("identity-proofing MFA %q %v, want ON [SOFTWARE_TOKEN_MFA]", p.Config.MfaConfiguration, p.Config.EnabledMfas)
	}

	pool := `"UsernameAttributes": ["email"],`
	for _, tc := range []struct {
		name, props string
		mode        string
		wantErr     string // "" = loads
	}{
		{"no MFA properties", ``, "", ""},
		{"OPTIONAL with TOTP", `"MfaConfiguration": "OPTIONAL", "EnabledMfas": ["SOFTWARE_TOKEN_MFA"],`, "OPTIONAL", ""},
		{"OFF may name SMS", `"MfaConfiguration": "OFF", "EnabledMfas": ["SMS_MFA"],`, "OFF", ""},
		{"ON with SMS", `"MfaConfiguration": "ON", "EnabledMfas": ["SOFTWARE_TOKEN_MFA", "SMS_MFA"],`, "", "EnabledMfas SMS_MFA"},
		{"OPTIONAL with email", `"MfaConfiguration": "OPTIONAL", "EnabledMfas": ["EMAIL_OTP"],`, "", "EnabledMfas EMAIL_OTP"},
		{"ON without factors", `"MfaConfiguration": "ON",`, "", "without SOFTWARE_TOKEN_MFA"},
		{"unknown mode", `"MfaConfiguration": "REQUIRED", "EnabledMfas": ["SOFTWARE_TOKEN_MFA"],`, "", `MfaConfiguration "REQUIRED"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tmpl := bytes.Replace(minimal(`"x"`), []byte(pool), []byte(pool+tc.props), 1)
			p, err := Parse(tmpl, Options{StackName: "Local"})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "user pool Pool") {
					t.Fatalf("error %v, want one naming %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Config.MfaConfiguration != tc.mode {
				t.Errorf("MfaConfiguration %q, want %q", p.Config.MfaConfiguration, tc.mode)
			}
		})
	}
}

package linking_test

import (
	"strings"
	"testing"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/linking"
)

func TestConfigFromEnv(t *testing.T) {
	get := func(p, m string) func(string) string {
		return func(k string) string {
			return map[string]string{contract.EnvLinkProviders: p, contract.EnvLinkMaxIdentities: m}[k]
		}
	}
	c, err := linking.ConfigFromEnv(get(`["Google","corp_oidc","Sign In With X"]`, ""))
	if err != nil || len(c.Providers) != 3 || c.MaxIdentities != 5 {
		t.Fatalf("%+v %v", c, err)
	}
	if c, err := linking.ConfigFromEnv(get(`["Google"]`, " 2 ")); err != nil || c.MaxIdentities != 2 {
		t.Fatalf("%+v %v", c, err)
	}
	for _, bad := range [][2]string{
		{"", ""},
		{"Google", ""},
		{`[]`, ""},
		{`[""]`, ""},
		{`["Google","google"]`, ""},
		{`["Cognito"]`, ""},
		{`["` + strings.Repeat("p", 33) + `"]`, ""},
		{`["tab\there"]`, ""},
		{`["Google"]`, "0"},
		{`["Google"]`, "6"},
		{`["Google"]`, "five"},
		{`{"Google":1}`, ""},
	} {
		if _, err := linking.ConfigFromEnv(get(bad[0], bad[1])); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
	if _, err := linking.New(nil, linking.Config{Providers: []string{"G"}, MaxIdentities: 5}); err == nil {
		t.Error("nil client accepted")
	}
	if _, err := linking.New(&fakeCognito{}, linking.Config{Providers: []string{"G", "g"}, MaxIdentities: 5}); err == nil {
		t.Error("invalid config accepted by New")
	}
}

func TestTrustedProvidersFromEnv(t *testing.T) {
	get := func(trusted string) func(string) string {
		return func(k string) string {
			return map[string]string{contract.EnvLinkProviders: `["Google","corp"]`, contract.EnvLinkTrustedProviders: trusted}[k]
		}
	}
	c, err := linking.ConfigFromEnv(get(""))
	if err != nil || len(c.TrustedProviders) != 0 || c.Trusted("Google") {
		t.Fatalf("default: %+v %v", c, err)
	}
	c, err = linking.ConfigFromEnv(get(` ["corp"] `))
	if err != nil || !c.Trusted("corp") || c.Trusted("Google") || c.Trusted("CORP") {
		t.Fatalf("%+v %v", c, err)
	}
	for _, bad := range []string{`["google"]`, `["Mosaic"]`, `["corp","corp"]`, `"corp"`, `[1]`} {
		if _, err := linking.ConfigFromEnv(get(bad)); err == nil || !strings.Contains(err.Error(), contract.EnvLinkTrustedProviders) {
			t.Errorf("%s: %v", bad, err)
		}
	}
}

func TestParseUserName(t *testing.T) {
	ps := []string{"corp", "corp_eu", "corp_eu_west", "Ünï"}
	for in, want := range map[string][2]string{
		"corp_1":              {"corp", "1"},
		"corp_eu_1":           {"corp_eu", "1"},
		"corp_eu_west_1":      {"corp_eu_west", "1"},
		"corp_eu_west_":       {"corp_eu", "west_"},
		"CORP_EU_x":           {"corp_eu", "x"},
		"Ünï_s":               {"Ünï", "s"},
		"corp_":               {},
		"corp":                {},
		"corpx_1":             {},
		"_corp_1":             {},
		"":                    {},
		"corp_eu_west":        {"corp_eu", "west"},
		"corp_Subject_Case_S": {"corp", "Subject_Case_S"},
	} {
		p, s, ok := linking.ParseUserName(in, ps)
		if (want == [2]string{}) == ok || p != want[0] || s != want[1] {
			t.Errorf("%q: %q %q %v", in, p, s, ok)
		}
	}
}

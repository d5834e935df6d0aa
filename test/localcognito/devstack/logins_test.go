package devstack

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cognitobridge/cognitobridge/test/localcognito/template"
)

// TestProviderLoginsPerSample: the demo banner and the provider's login page
// name, for each sample, exactly the provider accounts its page and browser
// tests use (issue 20: not newcomer where no page signs up a federated
// user, not assured where no provider grants assurance).
func TestProviderLoginsPerSample(t *testing.T) {
	for _, tc := range []struct {
		app  string
		want []string
		role string
	}{
		{"blockid-stepup", []string{ProviderUser}, "a 1Kosmos BlockID tenant"},
		{"biopass-mfa", []string{ProviderUser}, "Biopass"},
		{"transaction-stepup", []string{ProviderUser}, "an OpenID Provider"},
		// The shared pool's page signs in on its web client (step-up only);
		// its Mosaic federation is another app's.
		{"shared-pool", []string{ProviderUser}, "(the step-up)"},
		{"mosaic-passwordless", []string{NewcomerUser, ProviderUser}, "Mosaic (the pool's identity provider)"},
		{"mosaic-passwordless-phone", []string{NewcomerUser, ProviderUser, StrangerUser}, "Mosaic (the pool's identity provider)"},
		{"blockid-federation", []string{AssuredUser, UnassuredUser}, "BlockID (the pool's identity provider)"},
		{"identity-proofing", nil, ""},
	} {
		t.Run(tc.app, func(t *testing.T) {
			path := filepath.Join("..", "..", "testdata", tc.app+".template.json")
			raw, err := readTemplate(path)
			if err != nil {
				t.Fatal(err)
			}
			params := map[string]string{}
			for _, n := range raw.parameters {
				params[n] = "https://placeholder.example"
			}
			pool, err := template.Load(path, template.Options{Parameters: params})
			if err != nil {
				t.Fatal(err)
			}
			idps := pageProviders(pool, appClient(pool))
			var got []string
			byPhone := signsInByPhone(pool)
			if byPhone != strings.HasSuffix(tc.app, "-phone") {
				t.Errorf("signs in by phone: %v", byPhone)
			}
			for _, l := range providerLogins(raw.provider, idps, byPhone) {
				got = append(got, l.Username)
				if l.Use == "" || l.Password != ProviderPassword {
					t.Errorf("login %+v", l)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("provider logins %v, want %v", got, tc.want)
			}
			hint := loginHint(raw.provider, idps, byPhone)
			if (hint == "") != (tc.want == nil) || !strings.Contains(hint, tc.role) {
				t.Errorf("login hint %q, want one naming %q", hint, tc.role)
			}
		})
	}
}

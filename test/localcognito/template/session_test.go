package template

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/cognitobridge/cognitobridge/test/localcognito"
)

// The client's session settings reach localcognito.Client; the ranges are
// localcognito.New's to check.
func TestClientSessionSettings(t *testing.T) {
	for _, tc := range []struct {
		name, props string
		want        localcognito.Client
		err         string
	}{
		{"defaults", ``, localcognito.Client{}, ""},
		{"all set", `"AuthSessionValidity": 7, "EnableTokenRevocation": false,
			"RefreshTokenRotation": {"Feature": "ENABLED", "RetryGracePeriodSeconds": 30},`,
			localcognito.Client{AuthSessionValidity: 7, EnableTokenRevocation: new(bool), RefreshTokenRotation: "ENABLED", RetryGracePeriodSeconds: 30}, ""},
		{"rotation feature from a parameter", `"RefreshTokenRotation": {"Feature": {"Ref": "Greeting"}},`,
			localcognito.Client{RefreshTokenRotation: "hello"}, ""},
		{"validity not a number", `"AuthSessionValidity": "5",`, localcognito.Client{}, "AuthSessionValidity"},
		{"revocation not a boolean", `"EnableTokenRevocation": "true",`, localcognito.Client{}, "EnableTokenRevocation"},
		{"grace not a number", `"RefreshTokenRotation": {"Feature": "ENABLED", "RetryGracePeriodSeconds": 1.5},`, localcognito.Client{}, "RetryGracePeriodSeconds"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := strings.Replace(string(minimal(`"x"`)), `"AccessTokenValidity": 10,`, tc.props+` "AccessTokenValidity": 10,`, 1)
			p, err := Parse([]byte(doc), Options{StackName: "Local"})
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one naming %s", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c := p.Config.Clients[0]
			if c.AuthSessionValidity != tc.want.AuthSessionValidity || c.RefreshTokenRotation != tc.want.RefreshTokenRotation ||
				c.RetryGracePeriodSeconds != tc.want.RetryGracePeriodSeconds ||
				(c.EnableTokenRevocation == nil) != (tc.want.EnableTokenRevocation == nil) ||
				(c.EnableTokenRevocation != nil && *c.EnableTokenRevocation != *tc.want.EnableTokenRevocation) {
				t.Errorf("client %+v, want %+v", c, tc.want)
			}
		})
	}
}

// The samples' step-up clients keep a sign-in session 5 minutes and revoke
// tokens; the endpoint starts with every sample's settings.
func TestSampleSessionSettings(t *testing.T) {
	path := filepath.Join(testdata, "blockid-stepup.template.json")
	p, err := Load(path, Options{Parameters: allParameters(t, path)})
	if err != nil {
		t.Fatal(err)
	}
	c := p.Config.Clients[0]
	if c.AuthSessionValidity != 5 || c.EnableTokenRevocation == nil || !*c.EnableTokenRevocation || c.RefreshTokenRotation != "" {
		t.Errorf("step-up client %+v", c)
	}
	for _, path := range goldens(t) {
		p, err := Load(path, Options{Parameters: allParameters(t, path)})
		if err != nil {
			t.Fatal(err)
		}
		cfg := p.Config
		cfg.Triggers = nil
		if _, err := localcognito.New(cfg, localcognito.Options{}); err != nil {
			t.Errorf("%s: %v", filepath.Base(path), err)
		}
	}
}

package webconfig

import (
	"reflect"
	"strings"
	"testing"
)

func TestFromOutputs(t *testing.T) {
	cases := []struct {
		name    string
		outputs map[string]string
		appURL  string
		want    PageConfig
		err     string
	}{
		{
			name:    "step-up",
			outputs: map[string]string{"UserPoolId": "eu-west-1_AbC123", "UserPoolClientId": "client1"},
			want:    PageConfig{Region: "eu-west-1", UserPoolID: "eu-west-1_AbC123", UserPoolClientID: "client1"},
		},
		{
			name:    "step-up with its session validity",
			outputs: map[string]string{"UserPoolId": "eu-west-1_AbC123", "UserPoolClientId": "client1", "AuthSessionValidity": "5"},
			want:    PageConfig{Region: "eu-west-1", UserPoolID: "eu-west-1_AbC123", UserPoolClientID: "client1", AuthSessionValidity: 5},
		},
		{name: "session validity out of range", outputs: map[string]string{"UserPoolId": "us-east-1_X", "UserPoolClientId": "c", "AuthSessionValidity": "16"}, err: "not 3 to 15 minutes"},
		{
			name:    "transaction",
			outputs: map[string]string{"UserPoolId": "us-east-1_X", "UserPoolClientId": "c", "ApiUrl": "https://api.example.com/"},
			want:    PageConfig{Region: "us-east-1", UserPoolID: "us-east-1_X", UserPoolClientID: "c", APIURL: "https://api.example.com/"},
		},
		{
			name: "federation",
			outputs: map[string]string{"UserPoolId": "us-east-1_X", "UserPoolClientId": "c", "HostedSignInDomain": "myapp",
				"IdentityProviderName": "Mosaic", "ConnectApiUrl": "https://connect.example.com"},
			appURL: "https://app.example.com",
			want: PageConfig{Region: "us-east-1", UserPoolID: "us-east-1_X", UserPoolClientID: "c", ConnectURL: "https://connect.example.com",
				OAuthDomain: "myapp.auth.us-east-1.amazoncognito.com", RedirectSignIn: "https://app.example.com/", RedirectSignOut: "https://app.example.com/",
				Scopes: []string{"openid", "email", "profile"}, ProviderName: "Mosaic"},
		},
		{
			name:    "proofing",
			outputs: map[string]string{"UserPoolId": "us-east-1_X", "UserPoolClientId": "c", "SessionUrl": "https://p.example.com/proofing/session"},
			want:    PageConfig{Region: "us-east-1", UserPoolID: "us-east-1_X", UserPoolClientID: "c", ProofingSessionURL: "https://p.example.com/proofing/session"},
		},
		{
			name:    "shared pool's web client",
			outputs: map[string]string{"UserPoolId": "us-east-1_X", "WebClientId": "web", "MobileClientId": "mobile", "ApiUrl": "https://api.example.com"},
			want:    PageConfig{Region: "us-east-1", UserPoolID: "us-east-1_X", UserPoolClientID: "web", APIURL: "https://api.example.com"},
		},
		{name: "no pool", outputs: map[string]string{"UserPoolClientId": "c"}, err: "need UserPoolId"},
		{name: "pool id without region", outputs: map[string]string{"UserPoolId": "X", "UserPoolClientId": "c"}, err: "need UserPoolId"},
		{name: "hosted without page URL", outputs: map[string]string{"UserPoolId": "us-east-1_X", "UserPoolClientId": "c", "HostedSignInDomain": "d"}, err: "page's URL"},
		{name: "hosted with http page", outputs: map[string]string{"UserPoolId": "us-east-1_X", "UserPoolClientId": "c", "HostedSignInDomain": "d"}, appURL: "http://app.example.com", err: "not https"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := FromOutputs(c.outputs, c.appURL)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err %v, want one containing %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got  %+v\nwant %+v", got, c.want)
			}
		})
	}
}

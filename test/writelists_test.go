package test

// Write lists over every synthesized sample template (issue 8, section 2).
// An app client's WriteAttributes are what Cognito lets a federated
// sign-in through that client write (it refuses the sign-in when a mapped
// attribute is missing) and, at the same time, what the user's own access
// token may change with UpdateUserAttributes. So every mapped attribute
// must be on the list of the client that signs in through the provider,
// and no attribute an application trusts as assurance may be on any list,
// or be mapped at all (a mapped attribute must be writable).

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/cognitobridge/cognitobridge/apps/stacks"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// synthCache holds each sample's normalized template, synthesized once per
// test process (TestGoldenTemplates and the write-list checks share it).
var synthCache sync.Map // app name → []byte

// synthesized returns the normalized template of the sample app a.
func synthesized(t *testing.T, a stacks.App) []byte {
	t.Helper()
	if v, ok := synthCache.Load(a.Name); ok {
		return v.([]byte)
	}
	got := normalizedTemplate(t, a.New(newApp(t)))
	synthCache.Store(a.Name, got)
	return got
}

// cfnTemplate is the part of a template the checks read.
type cfnTemplate struct {
	Resources map[string]struct {
		Type       string
		Properties map[string]any
	}
}

// poolClient is an app client as the checks see it.
type poolClient struct {
	id, pool  string
	providers []string // SupportedIdentityProviders
	write     []string // nil: WriteAttributes not set
	writeSet  bool
	scopes    []string
	flows     []string
}

// poolProvider is an identity provider and the attributes it maps.
type poolProvider struct {
	id, pool, name string
	mapped         []string
}

// standardAttributes is what a client without WriteAttributes may write
// ("When you don't specify the WriteAttributes for your app client, your
// app can write the values of the Standard attributes of your user pool").
var standardAttributes = []string{"address", "birthdate", "email", "email_verified", "family_name", "gender", "given_name",
	"locale", "middle_name", "name", "nickname", "phone_number", "phone_number_verified", "picture", "preferred_username",
	"profile", "updated_at", "website", "zoneinfo"}

// text renders a template value for comparison: literal strings as they
// are, anything else (Ref, Fn::GetAtt, …) as its JSON.
func text(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func strs(v any) []string {
	l, _ := v.([]any)
	out := make([]string, 0, len(l))
	for _, e := range l {
		out = append(out, text(e))
	}
	return out
}

func parseTemplate(t *testing.T, raw []byte) (clients []poolClient, providers []poolProvider) {
	t.Helper()
	var doc cfnTemplate
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	for id, r := range doc.Resources {
		switch r.Type {
		case "AWS::Cognito::UserPoolClient":
			c := poolClient{id: id, pool: text(r.Properties["UserPoolId"]), providers: strs(r.Properties["SupportedIdentityProviders"]),
				scopes: strs(r.Properties["AllowedOAuthScopes"]), flows: strs(r.Properties["ExplicitAuthFlows"])}
			if w, ok := r.Properties["WriteAttributes"]; ok {
				c.write, c.writeSet = strs(w), true
			}
			clients = append(clients, c)
		case "AWS::Cognito::UserPoolIdentityProvider":
			p := poolProvider{id: id, pool: text(r.Properties["UserPoolId"]), name: text(r.Properties["ProviderName"])}
			m, _ := r.Properties["AttributeMapping"].(map[string]any)
			for k := range m {
				p.mapped = append(p.mapped, k)
			}
			sort.Strings(p.mapped)
			providers = append(providers, p)
		}
	}
	sort.Slice(clients, func(i, j int) bool { return clients[i].id < clients[j].id })
	sort.Slice(providers, func(i, j int) bool { return providers[i].id < providers[j].id })
	return clients, providers
}

// writable is what the client's tokens may write.
func (c poolClient) writable() []string {
	if c.writeSet {
		return c.write
	}
	return standardAttributes
}

// signsInThrough returns the providers of the client's pool it offers.
func (c poolClient) signsInThrough(providers []poolProvider) []poolProvider {
	var out []poolProvider
	for _, p := range providers {
		if p.pool == c.pool && slices.Contains(c.providers, p.name) {
			out = append(out, p)
		}
	}
	return out
}

// isAssurance reports whether attr is an attribute an application trusts as
// assurance (or its binding): only the backend may write it.
func isAssurance(attr string) bool { return strings.HasPrefix(attr, contract.AssuranceAttributePrefix) }

// mappedWriteProblems lists the mapped attributes a client that signs in
// through their provider cannot write.
func mappedWriteProblems(clients []poolClient, providers []poolProvider) []string {
	var out []string
	for _, c := range clients {
		for _, p := range c.signsInThrough(providers) {
			for _, a := range p.mapped {
				if !slices.Contains(c.writable(), a) {
					out = append(out, fmt.Sprintf("client %s signs in through %s, which maps %s, but cannot write it (WriteAttributes %v)", c.id, p.name, a, c.write))
				}
			}
		}
	}
	return out
}

// assuranceWriteProblems lists every way a user's own access token could
// set an assurance attribute: on a client's write list, or mapped from a
// provider (which the signing-in client must then be able to write).
func assuranceWriteProblems(clients []poolClient, providers []poolProvider) []string {
	var out []string
	for _, c := range clients {
		for _, a := range c.writable() {
			if isAssurance(a) {
				out = append(out, fmt.Sprintf("client %s lets the user's access token write %s", c.id, a))
			}
		}
		for _, p := range c.signsInThrough(providers) {
			for _, a := range p.mapped {
				if isAssurance(a) && !slices.Contains(c.writable(), a) {
					out = append(out, fmt.Sprintf("client %s signs in through %s, which maps %s: its sign-in needs write access to it", c.id, p.name, a))
				}
			}
		}
	}
	for _, p := range providers {
		for _, a := range p.mapped {
			if isAssurance(a) {
				out = append(out, fmt.Sprintf("provider %s maps into %s", p.name, a))
			}
		}
	}
	return out
}

// rawWriterProblems: a client that may write the untrusted raw claim
// attribute offers no token that can call UpdateUserAttributes (the
// aws.cognito.signin.user.admin scope; an API sign-in flow always carries
// it).
func rawWriterProblems(clients []poolClient) []string {
	var out []string
	for _, c := range clients {
		if !slices.Contains(c.writable(), contract.AttrIdPIALRaw) {
			continue
		}
		if slices.Contains(c.scopes, "aws.cognito.signin.user.admin") {
			out = append(out, fmt.Sprintf("client %s writes %s and grants aws.cognito.signin.user.admin", c.id, contract.AttrIdPIALRaw))
		}
		for _, f := range c.flows {
			if f != "ALLOW_REFRESH_TOKEN_AUTH" {
				out = append(out, fmt.Sprintf("client %s writes %s and allows %s", c.id, contract.AttrIdPIALRaw, f))
			}
		}
	}
	return out
}

// TestBlockIDFederationSignInWritesMappedAttributes: in every sample, the
// client that signs in through an identity provider can write every
// attribute the provider maps, so the federated sign-in of the BlockID
// sample is not refused by Cognito; the client that writes the BlockID
// claim's raw copy issues no token that could rewrite it; and the sign-in,
// played against moto with the sample's configuration, writes the mapped
// attributes and lets the real assurance behaviour grant (and withdraw)
// custom:ial.
func TestBlockIDFederationSignInWritesMappedAttributes(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: synthesizes the samples through the CDK")
	}
	sawBlockID := false
	for _, a := range stacks.Apps {
		t.Run(a.Name, func(t *testing.T) {
			clients, providers := parseTemplate(t, synthesized(t, a))
			for _, p := range mappedWriteProblems(clients, providers) {
				t.Error(p)
			}
			for _, p := range rawWriterProblems(clients) {
				t.Error(p)
			}
			if a.Name != "blockid-federation" {
				return
			}
			// The check is not vacuous for the BlockID sample: one client,
			// through BlockID, writing exactly what BlockID maps.
			for _, c := range clients {
				for _, p := range c.signsInThrough(providers) {
					if p.name == "BlockID" {
						sawBlockID = true
						if !slices.Equal(c.write, p.mapped) || !slices.Contains(p.mapped, contract.AttrIdPIALRaw) {
							t.Errorf("client %s writes %v, BlockID maps %v", c.id, c.write, p.mapped)
						}
					}
				}
			}
		})
	}
	if !sawBlockID {
		t.Error("the blockid-federation sample has no client signing in through BlockID")
	}
	// And the sign-in itself, through the real handler code against moto.
	t.Run("sign-in through the assurance behaviour", testBlockIDSignInThroughTheHandlers)
}

// TestOwnAccessTokenCannotSetIAL: no client of any sample lets a user's own
// access token set custom:ial or any other assurance or binding attribute,
// neither on its write list nor through a mapping its sign-in would need
// write access for.
func TestOwnAccessTokenCannotSetIAL(t *testing.T) {
	for _, a := range stacks.Apps {
		t.Run(a.Name, func(t *testing.T) {
			clients, providers := parseTemplate(t, synthesized(t, a))
			if len(clients) == 0 {
				t.Skip("no app client")
			}
			for _, p := range assuranceWriteProblems(clients, providers) {
				t.Error(p)
			}
		})
	}
}

// The checks catch the BlockID federation sample as it was before issue 8:
// a hosted sign-in client without WriteAttributes whose provider mapped the
// assurance claim straight into custom:ial.
func TestWriteListChecksCatchTheOldBlockIDSample(t *testing.T) {
	old := []byte(`{"Resources":{
 "BlockIDClient":{"Type":"AWS::Cognito::UserPoolClient","Properties":{"UserPoolId":{"Ref":"BlockIDUserPool"},
   "SupportedIdentityProviders":["BlockID"],"AllowedOAuthScopes":["openid","email","profile"],"ExplicitAuthFlows":["ALLOW_REFRESH_TOKEN_AUTH"]}},
 "BlockIDProvider":{"Type":"AWS::Cognito::UserPoolIdentityProvider","Properties":{"UserPoolId":{"Ref":"BlockIDUserPool"},
   "ProviderName":"BlockID","AttributeMapping":{"custom:ial":"amr","email":"email","email_verified":"email_verified"}}}}}`)
	clients, providers := parseTemplate(t, old)
	if got := mappedWriteProblems(clients, providers); len(got) != 1 || !strings.Contains(got[0], "maps custom:ial, but cannot write it") {
		t.Errorf("mapped-attribute check: %q", got)
	}
	if got := assuranceWriteProblems(clients, providers); len(got) != 2 {
		t.Errorf("assurance check: %q", got)
	}
	// Giving the client the write access the sign-in needs is no way out.
	clients[0].write, clients[0].writeSet = []string{"custom:ial", "email", "email_verified"}, true
	if got := assuranceWriteProblems(clients, providers); len(got) != 2 || !strings.Contains(got[0], "lets the user's access token write custom:ial") {
		t.Errorf("assurance check with the write access: %q", got)
	}
	if got := mappedWriteProblems(clients, providers); len(got) != 0 {
		t.Errorf("mapped-attribute check with the write access: %q", got)
	}
}

package template

import (
	"fmt"
	"strings"
)

// Summary describes p in a few lines: the pool, its clients, identity
// providers, triggers and resources. It never prints a secret value or a
// stack parameter (function environments hold neither).
func Summary(p *Pool) string {
	var b strings.Builder
	kind := "pool " + p.LogicalID
	if p.Imported {
		kind = "imported pool (pooltriggers custom resource)"
	}
	fmt.Fprintf(&b, "%s %s: username attributes %v, alias %v, case sensitive %v, auto-verified %v, custom %v\n",
		kind, p.Config.PoolID, p.Config.UsernameAttributes, p.AliasAttributes, p.CaseSensitive, p.Config.AutoVerifiedAttributes, p.Config.CustomAttributes)
	for _, c := range p.Config.Clients {
		fmt.Fprintf(&b, "client %s (%s): flows %v, idps %v, oauth %v %v, secret %v, write %d attrs, read %d attrs\n",
			c.Name, c.ID, c.ExplicitAuthFlows, c.SupportedIdentityProviders, c.AllowedOAuthFlows, c.AllowedOAuthScopes,
			c.GenerateSecret, len(c.WriteAttributes), len(c.ReadAttributes))
	}
	for _, idp := range p.Config.IdentityProviders {
		fmt.Fprintf(&b, "identity provider %s (%s): issuer %s, scopes %q, client secret set %v, mapping %v\n",
			idp.Name, idp.Type, idp.Issuer, idp.AuthorizeScopes, idp.ClientSecret != "", idp.AttributeMapping)
	}
	for _, slot := range sortedKeys(p.Triggers) {
		fn := p.Triggers[slot]
		fmt.Fprintf(&b, "trigger %s: %s (%s), %s, %d MB, %d variables, overridden %v\n",
			slot, fn.Binary, fn.LogicalID, fn.Timeout, fn.MemorySize, len(fn.Environment), fn.Overridden)
	}
	for _, id := range sortedKeys(p.Functions) {
		fn := p.Functions[id]
		fmt.Fprintf(&b, "function %s: %s, %s, %d variables, overridden %v\n", id, fn.Binary, fn.Timeout, len(fn.Environment), fn.Overridden)
	}
	for _, a := range p.APIs {
		fmt.Fprintf(&b, "HTTP API %s (%s): %d stages, cors %v\n", a.LogicalID, a.ID, len(a.Stages), a.Cors != nil)
		for _, rt := range a.Routes {
			target := ""
			if rt.Integration != nil {
				target = rt.Integration.Function
			}
			auth := rt.AuthorizationType
			if rt.Authorizer != nil {
				auth += " " + rt.Authorizer.Name
			}
			fmt.Fprintf(&b, "route %q: %s -> %s\n", rt.RouteKey, auth, target)
		}
	}
	if p.Config.PreTokenGenerationVersion != "" {
		fmt.Fprintf(&b, "pre token generation event version %s\n", p.Config.PreTokenGenerationVersion)
	}
	for _, t := range p.Tables {
		fmt.Fprintf(&b, "table %s: key %s(%s) %s, ttl %q\n", t.Name, t.PartitionKey, t.PartitionKeyType, t.SortKey, t.TTLAttribute)
	}
	for _, s := range p.Secrets {
		src := "caller-supplied"
		switch {
		case s.Generate != nil:
			src = fmt.Sprintf("generated (%d chars)", s.Generate.Length)
		case s.HasValue:
			src = "from the template and parameters"
		}
		fmt.Fprintf(&b, "secret %s: %s\n", s.Name, src)
	}
	for _, s := range p.SSMParameters {
		fmt.Fprintf(&b, "ssm parameter %s (%s)\n", s.Name, s.Type)
	}
	return b.String()
}

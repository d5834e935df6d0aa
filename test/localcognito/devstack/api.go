package devstack

import (
	"context"
	"fmt"
	"io"
	"net"
	"sort"

	"github.com/cognitobridge/cognitobridge/test/localcognito/httpapi"
	"github.com/cognitobridge/cognitobridge/test/localcognito/lambdarun"
	"github.com/cognitobridge/cognitobridge/test/oidcpeer"
)

// startAPIs serves the template's HTTP APIs (test/localcognito/httpapi),
// their authorizer and integration functions run by a second
// lambdarun.Runner (the same process model as the triggers, with the
// loopback Lambda Invoke API so the step-up gate reaches its backend). The
// deployed pool's issuer, which the JWT authorizers and the transaction
// authorizer's environment name, is the local endpoint's here: an explicit
// substitution, logged by both. A template without an HTTP API starts
// nothing.
func (s *Stack) startAPIs(ctx context.Context, tb oidcpeer.TB, opts Options, motoEndpoint string, log io.Writer) error {
	if len(s.Pool.APIs) == 0 {
		return nil
	}
	deployed := fmt.Sprintf("https://cognito-idp.%s.amazonaws.com/%s", s.Pool.Region, s.Pool.Config.PoolID)
	local := s.EndpointURL + "/" + s.Pool.Config.PoolID
	fmt.Fprintf(log, "devstack: the deployed pool's issuer %s is the local endpoint's %s here (JWT authorizers and function environments)\n", deployed, local)
	subst := map[string]string{deployed: local}

	ids := map[string]bool{}
	for _, a := range s.Pool.APIs {
		for _, r := range a.Routes {
			if r.Integration != nil {
				ids[r.Integration.Function] = true
			}
			if r.Authorizer != nil && r.Authorizer.Function != "" {
				ids[r.Authorizer.Function] = true
			}
		}
	}
	// Functions the API's functions name in their environment (the
	// gate's backend, by ARN or name) run too, so the Invoke API finds
	// them.
	for id := range ids {
		for _, v := range s.Pool.Functions[id].Environment {
			for other, fn := range s.Pool.Functions {
				if v == fn.ARN || v == fn.Name {
					ids[other] = true
				}
			}
		}
	}
	var list []string
	for id := range ids {
		list = append(list, id)
	}
	sort.Strings(list)
	fsubst := map[string]string{}
	for k, v := range subst {
		fsubst[k] = v
	}
	csubst := s.connectProviderSubstitutions(list)
	from := make([]string, 0, len(csubst))
	for k := range csubst {
		from = append(from, k)
	}
	sort.Strings(from)
	for _, k := range from {
		fmt.Fprintf(log, "devstack: LOCAL substitution: the connect functions' provider endpoint %s -> %s (the loopback provider)\n", k, csubst[k])
		fsubst[k] = csubst[k]
	}
	runner, err := lambdarun.Start(ctx, s.Pool, lambdarun.Options{
		MotoEndpoint: motoEndpoint,
		// The API functions' Cognito calls (the proofing session and
		// callback's AdminGetUser, AdminUpdateUserAttributes) go to the
		// local pool, which holds the users.
		CognitoEndpoint: s.cognitoFront,
		Functions:       list,
		SkipResources:   true, // the trigger runner created them
		InvokeAPI:       true,
		Substitute:      fsubst,
		BinDir:          opts.BinDir,
		ModuleDir:       s.root,
		Logs:            log,
	})
	if err != nil {
		return fmt.Errorf("devstack: API functions: %w", err)
	}
	tb.Cleanup(func() { _ = runner.Close() })
	s.APIRunner = runner
	s.APIs = map[string]*httpapi.API{}
	s.APIURLs = map[string]string{}
	for _, def := range s.Pool.APIs {
		api, err := httpapi.New(def, httpapi.Options{
			Invoker: runner, Issuers: subst, AccountID: s.Pool.AccountID, Region: s.Pool.Region, Log: log,
		})
		if err != nil {
			return fmt.Errorf("devstack: %w", err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return fmt.Errorf("devstack: API listener: %w", err)
		}
		url := "http://" + ln.Addr().String()
		serve(tb, ln, api)
		s.APIs[def.LogicalID] = api
		s.APIURLs[def.LogicalID] = url
		if s.APIURL == "" {
			s.APIURL = url
		}
		fmt.Fprintf(log, "devstack: HTTP API %s (%d routes) at %s\n", def.LogicalID, len(def.Routes), url)
	}
	s.Config.APIURL = s.APIURL
	s.startConnect(log)
	return nil
}

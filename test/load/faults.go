package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/cognitobridge/cognitobridge/test/localcognito"
	"github.com/cognitobridge/cognitobridge/test/oidcpeer"
)

// budget is Cognito's wait for a trigger.
const budget = 5 * time.Second

// faultCase is one fault: injected before a rightful user's step-up
// sign-in, undone after it.
type faultCase struct {
	what   string
	expect bool // tokens must be issued (a fault the system rides out)
	// cold: recycle the functions after injecting, so the sign-in starts
	// them afresh (their caches of secrets and parameters are empty).
	cold   bool
	inject func(s *stack) (undo func())
}

var faultCases = []faultCase{
	{what: "dynamodb-throttled(ProvisionedThroughputExceededException)", inject: func(s *stack) func() {
		s.front.setFault(svcDynamoDB, faultThrottle)
		return func() { s.front.setFault(svcDynamoDB, faultNone) }
	}},
	{what: "dynamodb-unavailable(connections-closed)", inject: func(s *stack) func() {
		s.front.setFault(svcDynamoDB, faultClose)
		return func() { s.front.setFault(svcDynamoDB, faultNone) }
	}},
	{what: "provider-token-endpoint-5xx", inject: func(s *stack) func() {
		s.Provider.SetTokenEndpointFault(oidcpeer.Fault{Kind: oidcpeer.FaultHTTP500})
		return func() { s.Provider.SetTokenEndpointFault(oidcpeer.Fault{}) }
	}},
	{what: "provider-token-endpoint-slow(1.5s)", expect: true, inject: func(s *stack) func() {
		s.Provider.SetTokenEndpointFault(oidcpeer.Fault{Kind: oidcpeer.FaultSlow, Delay: 1500 * time.Millisecond})
		return func() { s.Provider.SetTokenEndpointFault(oidcpeer.Fault{}) }
	}},
	{what: "provider-token-endpoint-slow(4.5s)", inject: func(s *stack) func() {
		s.Provider.SetTokenEndpointFault(oidcpeer.Fault{Kind: oidcpeer.FaultSlow, Delay: 4500 * time.Millisecond})
		return func() { s.Provider.SetTokenEndpointFault(oidcpeer.Fault{}) }
	}},
	{what: "provider-token-endpoint-hanging", inject: func(s *stack) func() {
		s.Provider.SetTokenEndpointFault(oidcpeer.Fault{Kind: oidcpeer.FaultHang})
		return func() { s.Provider.SetTokenEndpointFault(oidcpeer.Fault{}) }
	}},
	{what: "provider-jwks-rotated(new-kid-mid-run)", expect: true, inject: func(s *stack) func() {
		if _, err := s.Provider.RotateSigningKey(); err != nil {
			fatal(err)
		}
		return func() { s.Provider.SetTokenMutator(nil) }
	}},
	{what: "secrets-manager-unavailable(cold-start)", cold: true, inject: func(s *stack) func() {
		s.front.setFault(svcSecrets, faultClose)
		return func() { s.front.setFault(svcSecrets, faultNone) }
	}},
	{what: "ssm-unavailable(cold-start)", cold: true, inject: func(s *stack) func() {
		s.front.setFault(svcSSM, faultClose)
		return func() { s.front.setFault(svcSSM, faultNone) }
	}},
	{what: "clock-skew(provider-20s-behind,tolerance-30s)", expect: true, inject: func(s *stack) func() {
		s.Provider.SetTokenMutator(s.Provider.ResignWithClaims(shiftTimes(-20 * time.Second)))
		return func() { s.Provider.SetTokenMutator(nil) }
	}},
	{what: "clock-skew(provider-120s-behind,tolerance-30s)", inject: func(s *stack) func() {
		s.Provider.SetTokenMutator(s.Provider.ResignWithClaims(shiftTimes(-120 * time.Second)))
		return func() { s.Provider.SetTokenMutator(nil) }
	}},
}

// shiftTimes moves the ID token's times as a provider whose clock is off
// by d writes them.
func shiftTimes(d time.Duration) func(map[string]any) {
	return func(c map[string]any) {
		for _, k := range []string{"iat", "auth_time", "exp", "nbf"} {
			if n, ok := c[k].(json.Number); ok {
				if v, err := n.Int64(); err == nil {
					c[k] = json.Number(fmt.Sprint(v + int64(d/time.Second)))
				}
			}
		}
	}
}

// runFaults runs each fault on s and prints its line; false when one
// decided otherwise than expected or took longer than the budget.
func runFaults(ctx context.Context, s *stack) bool {
	ok := true
	for _, f := range faultCases {
		// A rightful sign-in first: warm functions, JWKS and secrets
		// cached, as in a running pool.
		w, err := s.takeUsers(2)
		if err != nil {
			fatal(err)
		}
		if r := s.signIn(ctx, w, stepUpOptions{providerUser: -1}); !r.issued {
			fmt.Printf("fault: %s: the warm-up sign-in before it was refused (%v)\n", f.what, r.err)
			ok = false
		}
		undo := f.inject(s)
		if f.cold {
			s.Runner.Recycle()
		}
		tm := s.timer.mark()
		logs := s.logMark()
		actx, cancel := context.WithTimeout(ctx, 60*time.Second)
		r := s.signIn(actx, w+1, stepUpOptions{providerUser: -1})
		cancel()
		undo()
		t := s.timer.since(tm)
		var longest time.Duration
		for _, ds := range t.durs {
			for _, d := range ds {
				longest = max(longest, d)
			}
		}
		reason := s.faultReason(logs, r)
		fmt.Printf("fault: %s decision %s expected %s reason %s in %d ms\n", f.what, word(r.issued), word(f.expect), reason, longest.Milliseconds())
		if r.issued != f.expect || longest >= budget {
			ok = false
			fmt.Printf("  fault %s: WRONG (%v)\n", f.what, r.err)
		}
	}
	return ok
}

func word(issued bool) string {
	if issued {
		return "issued"
	}
	return "refused"
}

// faultReason is the reason code of the sign-in's decision: the first
// refusal logged by Verify, then the guard, Create and Define (in that
// order), "ok" when tokens were issued; without a logged refusal, what
// the client was told.
func (s *stack) faultReason(m logMark, r signInResult) string {
	if r.issued {
		return "ok"
	}
	for _, slot := range []localcognito.Slot{localcognito.SlotVerifyAuthChallenge, localcognito.SlotPreTokenGeneration, localcognito.SlotCreateAuthChallenge, localcognito.SlotDefineAuthChallenge} {
		id := s.Runner.SlotFunction(slot)
		l := s.Runner.FunctionLogs(id)
		from := m[id]
		if from > len(l) {
			continue
		}
		for _, line := range strings.Split(l[from:], "\n") {
			if reason, lvl, ok := decision(line); ok && lvl != "INFO" {
				return reason
			}
		}
	}
	if r.err != nil {
		return "none-logged(" + strings.ReplaceAll(r.err.Error(), " ", "_") + ")"
	}
	return "none-logged"
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/test/localcognito"
)

// ttlWindow is how long after a step-up its record may stay before
// DynamoDB's TTL may delete it: the samples' window
// (COGNITOBRIDGE_STEPUP_WINDOW_SECONDS, 60) plus the slack Verify adds to
// the TTL attribute (lambdas/internal/steprecord.ExpirySlack, 5 minutes).
const ttlWindow = 60*time.Second + 5*time.Minute

// Hostile kinds of an attempt (0 is the rightful user).
const (
	rightful = iota
	// hostileProvider: the step-up is answered by another person's
	// provider account (a stolen password, the attacker's own provider
	// login): it must be refused.
	hostileProvider
	// hostileNoEcho: the challenge's binding is not echoed in
	// confirmSignIn's clientMetadata (a client that breaks the contract,
	// or an answer replayed into another sign-in): the step-up's claims
	// must not be issued. The guard lets such a sign-in through without
	// them where Define decided it (a custom-auth-only client, or an
	// on-demand one, lambdas/guard), so "issued" counts step-up claims.
	hostileNoEcho
)

// check is one decision of an attempt: whether tokens had to be issued,
// and whether they were.
type check struct {
	expect, got bool
	err         error
}

// scenario is one kind of sign-in the run drives.
type scenario struct {
	name string
	app  string
	// table: the scenario writes the step-up table, so it also runs at
	// the larger table size.
	table bool
	// seed: the pool holds the load users (with a password), pre-enrolled
	// with their provider identity when table is set.
	seed bool
	// perAttempt is the sign-ins one attempt makes.
	perAttempt int
	// fresh: every attempt needs a user of its own (a first federated
	// sign-in, a sign-up); otherwise the attempts cycle over loadUsers
	// users, each signing in many times, as a pool's users do.
	fresh   bool
	attempt func(ctx context.Context, s *stack, a *attemptEnv) []check
}

// attemptEnv is what an attempt gets: its user, its kind, and a place for
// what it leaves for a later phase (the high-value call's tokens).
type attemptEnv struct {
	user    int
	hostile int
	keep    func(pair)
}

// pair is a high-value attempt's tokens: the ordinary sign-in's and the
// step-up's ("" when refused).
type pair struct {
	ordinary, stepped string
	steppedPasses     bool // the step-up token carries the step-up claims
}

// attemptOptions are the options of a step-up for reason that plays a's
// part: rightful, answered with another person's provider account, or
// without the echo.
func attemptOptions(s *stack, a *attemptEnv, reason string) stepUpOptions {
	o := stepUpOptions{reason: reason, providerUser: -1}
	switch a.hostile {
	case hostileProvider:
		o.providerUser = otherUser(s, a.user)
	case hostileNoEcho:
		o.noEcho = true
	}
	return o
}

func stepUpAttempt(ctx context.Context, s *stack, a *attemptEnv) []check {
	r := s.signIn(ctx, a.user, attemptOptions(s, a, ""))
	return []check{{expect: a.hostile == rightful, got: r.stepUp(), err: r.err}}
}

// otherUser is a load user that is not u (another person at the provider).
func otherUser(s *stack, u int) int { return (u + 1) % s.users }

// onDemandAttempt: the rightful sign-in is an ordinary one (no reason) on
// the on-demand client: tokens without the step-up claims. The hostile one
// names the reason and answers with another person's provider account.
func onDemandAttempt(ctx context.Context, s *stack, a *attemptEnv) []check {
	if a.hostile != rightful {
		o := stepUpOptions{reason: contract.StepUpReasonHighValueTransaction, providerUser: -1}
		if a.hostile == hostileProvider {
			o.providerUser = otherUser(s, a.user)
		} else {
			o.noEcho = true
		}
		r := s.signIn(ctx, a.user, o)
		return []check{{expect: false, got: r.stepUp(), err: r.err}}
	}
	r := s.signIn(ctx, a.user, stepUpOptions{providerUser: -1})
	if r.stepUp() {
		// Step-up claims without a step-up: a token issued that must not be.
		return []check{{expect: false, got: true, err: fmt.Errorf("an ordinary sign-in's token carries step-up claims")}}
	}
	return []check{{expect: true, got: r.issued, err: r.err}}
}

// highValueAttempt: the ordinary sign-in, then the step-up sign-in naming
// the reason the API asks for (rightful, or answered with another
// person's provider account); both tokens are kept for the calls.
func highValueAttempt(ctx context.Context, s *stack, a *attemptEnv) []check {
	ord := s.signIn(ctx, a.user, stepUpOptions{providerUser: -1})
	up := s.signIn(ctx, a.user, attemptOptions(s, a, contract.StepUpReasonHighValueTransaction))
	if ord.issued {
		// The no-echo sign-in's token (without step-up claims) calls too:
		// the API must refuse it.
		a.keep(pair{ordinary: ord.access, stepped: up.access, steppedPasses: up.stepUp()})
	}
	return []check{{expect: true, got: ord.issued && !ord.stepUp(), err: ord.err}, {expect: a.hostile == rightful, got: up.stepUp(), err: up.err}}
}

// federatedAttempt: a provider user's first federated sign-in. The
// rightful one's email belongs to nobody in the pool (the linking
// behaviour creates the federated user); the hostile one's email is a
// native user's (seeded just before): the linking default refuses it
// (connect_required), whatever the provider says.
func federatedAttempt(ctx context.Context, s *stack, a *attemptEnv) []check {
	if a.hostile != rightful {
		if _, err := s.Cognito.SeedUser(userName(a.user), "Native-Passw0rd!", map[string]string{"email": userEmail(a.user), "email_verified": "true"}, true); err != nil {
			return []check{{expect: false, got: false, err: err}}
		}
	}
	r := s.federatedSignIn(ctx, s.hostedClient(), userName(a.user))
	return []check{{expect: a.hostile == rightful, got: r.issued, err: r.err}}
}

var proofingSeq atomic.Int64

// proofingAttempt: a sign-up proofed by the IDV; the hostile one's
// document does not match (the callback must not grant the assurance).
func proofingAttempt(ctx context.Context, s *stack, a *attemptEnv) []check {
	email := fmt.Sprintf("lp%d@load.example", proofingSeq.Add(1))
	r := s.proofingSignUp(ctx, email, a.hostile == rightful)
	return []check{{expect: a.hostile == rightful, got: r.issued, err: r.err}}
}

// loadUsers is how many users the non-fresh scenarios cycle over.
const loadUsers = 64

// faultUsers are the further users the faults take (two per fault, with
// room for more faults).
const faultUsers = 40

var scenarios = []scenario{
	{name: "stepup-blockid", app: "blockid-stepup", table: true, seed: true, perAttempt: 1, attempt: stepUpAttempt},
	{name: "stepup-oidc", app: "biopass-mfa", table: true, seed: true, perAttempt: 1, attempt: stepUpAttempt},
	{name: "on-demand", app: "shared-pool", table: true, seed: true, perAttempt: 1, attempt: onDemandAttempt},
	{name: "high-value-call", app: "transaction-stepup", table: true, seed: true, perAttempt: 2, attempt: highValueAttempt},
	{name: "federated-linking", app: "mosaic-passwordless", perAttempt: 1, fresh: true, attempt: federatedAttempt},
	{name: "proofing-signup", app: "identity-proofing", perAttempt: 1, fresh: true, attempt: proofingAttempt},
}

// runConfig runs n sign-ins of sc (n/perAttempt attempts) with c workers;
// every hostileEvery-th attempt is hostile (0: none). It prints the
// scenario's line and its detail lines.
func runConfig(ctx context.Context, s *stack, sc scenario, label string, n, c, hostileEvery int) (wrong int, err error) {
	attempts := max(1, n/sc.perAttempt)
	user := func(k int) int { return k % loadUsers }
	if sc.fresh {
		first, err := s.takeUsers(attempts)
		if err != nil {
			return 0, err
		}
		user = func(k int) int { return first + k }
	}
	tm := s.timer.mark()
	logs := s.logMark()
	aws0 := s.front.snapshot()
	api0 := s.apiInvocations()

	var mu sync.Mutex
	var pairs []pair
	var checks []check
	elapsed := fanOut(c, attempts, func(k int) {
		hostile := rightful
		if hostileEvery > 0 && k%hostileEvery == hostileEvery-1 {
			hostile = hostileProvider + (k/hostileEvery)%2
		}
		actx, cancel := context.WithTimeout(ctx, 60*time.Second)
		cs := sc.attempt(actx, s, &attemptEnv{user: user(k), hostile: hostile, keep: func(p pair) {
			mu.Lock()
			pairs = append(pairs, p)
			mu.Unlock()
		}})
		cancel()
		mu.Lock()
		checks = append(checks, cs...)
		mu.Unlock()
	})

	t := s.timer.since(tm)
	calls := diff(aws0, s.front.snapshot())
	apiN := s.apiInvocations() - api0
	signIns := len(checks)
	var errs []string
	for _, ch := range checks {
		if ch.expect != ch.got {
			wrong++
			errs = append(errs, fmt.Sprintf("expected issued=%v, got %v (%v)", ch.expect, ch.got, ch.err))
		}
	}
	name := sc.name
	if label != "" {
		name += label
	}
	fmt.Printf("load: %s %d sign-ins, %d concurrent, %.1f/s, define %s, create %s, verify %s, pretoken %s, wrong %d, aws calls/sign-in %s, invocations/sign-in %s\n",
		name, signIns, c, float64(signIns)/elapsed.Seconds(),
		pq(t.durs[localcognito.SlotDefineAuthChallenge]), pq(t.durs[localcognito.SlotCreateAuthChallenge]),
		pq(t.durs[localcognito.SlotVerifyAuthChallenge]), pq(t.durs[localcognito.SlotPreTokenGeneration]),
		wrong, ratio(total(calls), signIns), ratio(t.count+apiN, signIns))
	var other []string
	for _, slot := range []localcognito.Slot{localcognito.SlotPreSignUp, localcognito.SlotPostConfirmation, localcognito.SlotPreAuthentication, localcognito.SlotPostAuthentication} {
		if d := t.durs[slot]; len(d) > 0 {
			other = append(other, fmt.Sprintf("%s %s", strings.ToLower(string(slot)), pq(d)))
		}
	}
	if apiN > 0 {
		other = append(other, fmt.Sprintf("API functions %s invocations/sign-in", ratio(apiN, signIns)))
	}
	fmt.Printf("  %s: %d attempts in %.1f s, %d hostile; trigger queue wait %s (one execution environment per function)%s\n",
		name, attempts, elapsed.Seconds(), hostileCount(attempts, hostileEvery), pq(t.waits), prefixed("; ", strings.Join(other, ", ")))
	fmt.Printf("  %s: aws calls/sign-in by operation: %s\n", name, byOperation(calls, signIns))
	fmt.Printf("  %s: reasons logged at WARN or ERROR (not passing): %s\n", name, refusals(s.logsSince(logs)))
	note := ""
	if apiN > 0 {
		note = "the API functions' durations are not timed (their requests are counted)"
	}
	costLine(name, "sign-ins", costOf(t.count+apiN, billedMS(t.durs), calls, signIns), note)
	for i, e := range errs {
		if i == 5 {
			fmt.Printf("  %s: ... %d more\n", name, len(errs)-5)
			break
		}
		fmt.Printf("  %s: WRONG: %s\n", name, e)
	}
	if sc.name == "high-value-call" {
		wrong += runCalls(ctx, s, name, pairs, c)
	}
	return wrong, nil
}

func hostileCount(attempts, every int) int {
	if every <= 0 {
		return 0
	}
	return attempts / every
}

func prefixed(p, s string) string {
	if s == "" {
		return ""
	}
	return p + s
}

// refusals counts the reason codes of the decision lines at level WARN or
// ERROR (the handlers' refusals) among lines.
func refusals(lines []string) string {
	counts := map[string]int{}
	for _, l := range lines {
		r, lvl, ok := decision(l)
		if ok && lvl != "INFO" && r != "" && !passing(r) {
			counts[r]++
		}
	}
	if len(counts) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, counts[k]))
	}
	return strings.Join(parts, ", ")
}

// passing reports whether a reason code lets the sign-in go on (some are
// logged at WARN: ok_password_only, retry_custom_challenge).
func passing(r string) bool {
	return strings.HasPrefix(r, "ok") || strings.HasPrefix(r, "next_") || r == "passwordless_start" || r == "unprotected_client" || r == "no_candidate"
}

// decision reads a handler's JSON log line (lambdarun prefixes nothing in
// the per-function logs): its reason and level.
func decision(line string) (reason, level string, ok bool) {
	i := strings.IndexByte(line, '{')
	if i < 0 {
		return "", "", false
	}
	var m map[string]any
	if json.Unmarshal([]byte(line[i:]), &m) != nil {
		return "", "", false
	}
	reason, _ = m["reason"].(string)
	level, _ = m["level"].(string)
	return reason, level, reason != ""
}

// runCalls is the high-value call's second phase: each kept ordinary token
// calls POST /payments and POST /transfers (it must get 401
// insufficient_user_authentication), each step-up token calls them (it must
// pass). It prints a line per form and answer, and returns the wrong
// answers.
func runCalls(ctx context.Context, s *stack, name string, pairs []pair, c int) (wrong int) {
	var list []call
	for _, p := range pairs {
		list = append(list, call{p.ordinary, false})
		if p.stepped != "" {
			list = append(list, call{p.stepped, p.steppedPasses})
		}
	}
	var passList, refuseList []call
	for _, cl := range list {
		if cl.pass {
			passList = append(passList, cl)
		} else {
			refuseList = append(refuseList, cl)
		}
	}
	// The same tokens through both forms of the high-value call: the gate
	// (POST /payments: Lambda authorizer, gate, backend) and the
	// one-invocation middleware (POST /transfers: the HTTP API's JWT
	// authorizer, then the backend built with lambdas/stepuphttp).
	var errs []string
	for _, phase := range []struct {
		label, route string
		list         []call
	}{
		{"gate(200)", "/payments", passList}, {"gate(401)", "/payments", refuseList},
		{"middleware(200)", "/transfers", passList}, {"middleware(401)", "/transfers", refuseList},
	} {
		w, e := callPhase(ctx, s, phase.label, phase.route, phase.list, c)
		wrong += w
		errs = append(errs, e...)
	}
	for i, e := range errs {
		if i == 5 {
			break
		}
		fmt.Printf("  %s: WRONG: %s\n", name, e)
	}
	return wrong
}

type call struct {
	token string
	pass  bool
}

// fanOut calls do(0) to do(n-1) from c workers and returns how long they
// took.
func fanOut(c, n int, do func(k int)) time.Duration {
	jobs := make(chan int)
	var wg sync.WaitGroup
	t0 := time.Now()
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range jobs {
				do(k)
			}
		}()
	}
	for k := range n {
		jobs <- k
	}
	close(jobs)
	wg.Wait()
	return time.Since(t0)
}

// callPhase makes the calls of list with c workers and prints their line:
// "call: <label> <n> calls, <c> concurrent, <x>/s, p50 <a> p99 <b> ms,
// wrong <w>, aws calls/call <k>, invocations/call <m>".
func callPhase(ctx context.Context, s *stack, label, route string, list []call, c int) (wrong int, errs []string) {
	if len(list) == 0 {
		return 0, nil
	}
	aws0 := s.front.snapshot()
	api0 := s.apiInvocations()
	var mu sync.Mutex
	var durs []time.Duration
	elapsed := fanOut(c, len(list), func(k int) {
		cl := list[k]
		t := time.Now()
		status, chal, err := s.pay(ctx, route, cl.token)
		d := time.Since(t)
		ok := (cl.pass && status == 200) || (!cl.pass && status == 401 && strings.Contains(chal, "insufficient_user_authentication"))
		mu.Lock()
		durs = append(durs, d)
		if !ok {
			wrong++
			errs = append(errs, fmt.Sprintf("POST %s with a %s token: %d %q %v", route, map[bool]string{true: "stepped-up", false: "ordinary"}[cl.pass], status, chal, err))
		}
		mu.Unlock()
	})
	calls := diff(aws0, s.front.snapshot())
	apiN := s.apiInvocations() - api0
	fmt.Printf("call: %s %d calls, %d concurrent, %.1f/s, p50 %s p99 %s ms, wrong %d, aws calls/call %s, invocations/call %s\n",
		label, len(list), c, float64(len(list))/elapsed.Seconds(), ms(percentile(durs, 50)), ms(percentile(durs, 99)), wrong,
		ratio(total(calls), len(list)), ratio(apiN, len(list)))
	// Each function's duration is bounded by the call's round trip: the
	// GB-s below take every invocation at the call's p50, an upper bound.
	p50 := math.Ceil(percentile(durs, 50))
	costLine(label, "calls", costOf(apiN, p50*float64(apiN), calls, len(list)), "each invocation billed at the call's p50 round trip (an upper bound); plus the HTTP API's $1.00 per million requests, the same for every form")
	return wrong, errs
}

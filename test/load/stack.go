package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/enrollment"
	"github.com/cognitobridge/cognitobridge/test/localcognito"
	"github.com/cognitobridge/cognitobridge/test/localcognito/devstack"
	"github.com/cognitobridge/cognitobridge/test/localcognito/lambdarun"
	"github.com/cognitobridge/cognitobridge/test/motoserver"
	"github.com/cognitobridge/cognitobridge/test/oidcpeer"
)

// providerPassword is every load user's password at the loopback provider.
const providerPassword = "provider-load"

// stack is one running sample (devstack) with the load run's hooks: the
// AWS front, the trigger timer, and as many users as the run needs.
type stack struct {
	*devstack.Stack
	front   *awsFront
	timer   *triggerTimer
	api     *cip.Client
	users   int // load users lu0..lu<users-1>, provider and pool
	subs    []string
	table   string // the step-up table ("" without one)
	ddb     *dynamodb.Client
	next    int // next unused user
	fillers int // other users' enrollments added (fillTo)
	nextMu  sync.Mutex
}

// userName is the pool user name of load user i; the provider user of the
// same index has the same name (BlockID binds its username claim to it)
// and the same verified email (the OIDC samples bind the email).
func userName(i int) string  { return "lu" + strconv.Itoa(i) }
func userEmail(i int) string { return "lu" + strconv.Itoa(i) + "@load.example" }

// takeUsers reserves n fresh load users and returns the first index.
func (s *stack) takeUsers(n int) (int, error) {
	s.nextMu.Lock()
	defer s.nextMu.Unlock()
	if s.next+n > s.users {
		return 0, fmt.Errorf("%s: %d load users, %d more asked", s.App, s.users, n)
	}
	i := s.next
	s.next += n
	return i, nil
}

type stackOptions struct {
	app   string
	users int // provider and pool users to create
	// reserved: the first loadUsers are the load's (cycled over), takeUsers
	// hands out the others.
	reserved bool
	seed     bool // seed the pool users (not for sign-up and federation)
	enroll   bool // pre-enroll each pool user with its provider identity
	binDir   string
	log      io.Writer
}

func startStack(ctx context.Context, o *owner, so stackOptions) (*stack, error) {
	s := &stack{front: newAWSFront(), users: so.users}
	if so.reserved {
		s.next = loadUsers
	}
	stop := make(chan struct{})
	o.Cleanup(func() { close(stop) })
	var pusers []oidcpeer.User
	for i := range so.users {
		pusers = append(pusers, oidcpeer.User{Username: userName(i), Password: providerPassword, Email: userEmail(i), EmailVerified: true, ACR: "liveID push"})
	}
	st, err := devstack.Start(ctx, o, devstack.Options{
		App: so.app, NoPage: true, BinDir: so.binDir, Log: so.log,
		ProviderUsers: pusers,
		AWSFront:      func(up string) (string, error) { return s.front.front(up, stop) },
		Triggers: func(t localcognito.Triggers) localcognito.Triggers {
			s.timer = newTriggerTimer(t)
			return s.timer
		},
	})
	if err != nil {
		return nil, err
	}
	s.Stack = st
	hc := &http.Client{Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 64, IdleConnTimeout: 30 * time.Second}}
	s.api = cip.New(cip.Options{Region: st.Pool.Region, BaseEndpoint: aws.String(st.EndpointURL), Credentials: aws.AnonymousCredentials{}, RetryMaxAttempts: 1, HTTPClient: hc})
	s.ddb = motoserver.DynamoDB(st.MotoEndpoint)
	for _, f := range st.Pool.Functions {
		if t := f.Environment[contract.EnvStepUpTable]; t != "" {
			s.table = t
		}
	}
	if so.seed {
		for i := range so.users {
			sub, err := st.Cognito.SeedUser(userName(i), devstack.DemoPassword, map[string]string{"email": userEmail(i), "email_verified": "true"}, true)
			if err != nil {
				return nil, fmt.Errorf("seeding %s: %w", userName(i), err)
			}
			s.subs = append(s.subs, sub)
		}
	}
	if so.enroll && s.table != "" {
		items := make([]map[string]ddbtypes.AttributeValue, 0, len(s.subs))
		for i, sub := range s.subs {
			item, err := enrollItem(st.Pool.Config.PoolID, sub, st.Provider.Issuer(), "sub-"+userName(i))
			if err != nil {
				return nil, err
			}
			items = append(items, item)
		}
		if err := s.putItems(ctx, items); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// enrollItem is an enrollment as Verify's first use writes it
// (steprecord.EnrollAndRecord).
func enrollItem(poolID, sub, issuer, subject string) (map[string]ddbtypes.AttributeValue, error) {
	key, err := enrollment.Key(poolID, sub)
	if err != nil {
		return nil, err
	}
	return map[string]ddbtypes.AttributeValue{
		contract.RecordPartitionKey: &ddbtypes.AttributeValueMemberS{Value: key},
		contract.EnrollIssuer:       &ddbtypes.AttributeValueMemberS{Value: issuer},
		contract.EnrollSubject:      &ddbtypes.AttributeValueMemberS{Value: subject},
		contract.EnrolledAt:         &ddbtypes.AttributeValueMemberN{Value: strconv.FormatInt(time.Now().UnixMilli(), 10)},
		contract.EnrolledBy:         &ddbtypes.AttributeValueMemberS{Value: contract.EnrolledByFirstUse},
	}, nil
}

// putItems writes items straight to moto (not through the front: the
// run's counts are of the handlers' calls only), 25 per BatchWriteItem.
func (s *stack) putItems(ctx context.Context, items []map[string]ddbtypes.AttributeValue) error {
	for len(items) > 0 {
		n := min(25, len(items))
		var reqs []ddbtypes.WriteRequest
		for _, it := range items[:n] {
			reqs = append(reqs, ddbtypes.WriteRequest{PutRequest: &ddbtypes.PutRequest{Item: it}})
		}
		pending := map[string][]ddbtypes.WriteRequest{s.table: reqs}
		for len(pending) > 0 {
			out, err := s.ddb.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: pending})
			if err != nil {
				return fmt.Errorf("filling %s: %w", s.table, err)
			}
			pending = out.UnprocessedItems
		}
		items = items[n:]
	}
	return nil
}

// fillTo adds enrollments of users who do not sign in (other users of the
// pool: an enrollment is the one item per user that stays in the table)
// until the table holds n of them.
func (s *stack) fillTo(ctx context.Context, n int) error {
	var items []map[string]ddbtypes.AttributeValue
	for i := s.fillers; i < n; i++ {
		it, err := enrollItem(s.Pool.Config.PoolID, fmt.Sprintf("filler-%08d", i), s.Provider.Issuer(), fmt.Sprintf("sub-filler-%08d", i))
		if err != nil {
			return err
		}
		items = append(items, it)
	}
	if err := s.putItems(ctx, items); err != nil {
		return err
	}
	s.fillers = max(s.fillers, n)
	return nil
}

// tableCount is the step-up table's items at one moment.
type tableCount struct {
	total       int
	records     int // step-up records (with the TTL attribute)
	enrollments int // no TTL: they stay
	afterTTL    int // items a TTL sweep at now+window+slack would leave
}

// countItems scans the table (moto; not counted). moto keeps items whose
// TTL has passed (it does not run DynamoDB's TTL deletion), so afterTTL is
// computed: the items without contract.RecordExpiresAt, or with one later
// than the latest expiry of a record written now (window + slack, the
// TTL Verify sets).
func (s *stack) countItems(ctx context.Context) (tableCount, error) {
	var c tableCount
	if s.table == "" {
		return c, nil
	}
	horizon := time.Now().Add(ttlWindow).Unix()
	var start map[string]ddbtypes.AttributeValue
	for {
		out, err := s.ddb.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(s.table), ExclusiveStartKey: start})
		if err != nil {
			return c, fmt.Errorf("scanning %s: %w", s.table, err)
		}
		for _, it := range out.Items {
			c.total++
			exp, ok := it[contract.RecordExpiresAt].(*ddbtypes.AttributeValueMemberN)
			if !ok {
				c.enrollments++
				c.afterTTL++
				continue
			}
			c.records++
			if n, err := strconv.ParseInt(exp.Value, 10, 64); err != nil || n > horizon {
				c.afterTTL++
			}
		}
		if len(out.LastEvaluatedKey) == 0 {
			return c, nil
		}
		start = out.LastEvaluatedKey
	}
}

// triggerTimer wraps the trigger runner: it times every invocation and
// counts them. Each function runs one process (one execution environment,
// lambdarun's model) that serves one invocation at a time; the timer
// queues invocations of one function itself and times only the
// invocation, so the figures are per-invocation service times and the
// queueing shows apart.
type triggerTimer struct {
	inner  localcognito.Triggers
	runner *lambdarun.Runner
	mu     sync.Mutex
	locks  map[string]*sync.Mutex
	durs   map[localcognito.Slot][]time.Duration
	waits  []time.Duration
	count  int
}

func newTriggerTimer(t localcognito.Triggers) *triggerTimer {
	r, _ := t.(*lambdarun.Runner)
	return &triggerTimer{inner: t, runner: r, locks: map[string]*sync.Mutex{}, durs: map[localcognito.Slot][]time.Duration{}}
}

func (t *triggerTimer) Has(s localcognito.Slot) bool { return t.inner.Has(s) }

func (t *triggerTimer) Invoke(ctx context.Context, s localcognito.Slot, ev []byte) ([]byte, error) {
	id := string(s)
	if t.runner != nil {
		id = t.runner.SlotFunction(s)
	}
	t.mu.Lock()
	l, ok := t.locks[id]
	if !ok {
		l = &sync.Mutex{}
		t.locks[id] = l
	}
	t.mu.Unlock()
	q := time.Now()
	l.Lock()
	defer l.Unlock()
	t0 := time.Now()
	out, err := t.inner.Invoke(ctx, s, ev)
	d := time.Since(t0)
	t.mu.Lock()
	t.durs[s] = append(t.durs[s], d)
	t.waits = append(t.waits, t0.Sub(q))
	t.count++
	t.mu.Unlock()
	return out, err
}

// timing is what the timer recorded since a mark.
type timing struct {
	durs  map[localcognito.Slot][]time.Duration
	waits []time.Duration
	count int
}

type timerMark struct {
	lens  map[localcognito.Slot]int
	waits int
	count int
}

func (t *triggerTimer) mark() timerMark {
	t.mu.Lock()
	defer t.mu.Unlock()
	m := timerMark{lens: map[localcognito.Slot]int{}, waits: len(t.waits), count: t.count}
	for s, d := range t.durs {
		m.lens[s] = len(d)
	}
	return m
}

func (t *triggerTimer) since(m timerMark) timing {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := timing{durs: map[localcognito.Slot][]time.Duration{}, waits: append([]time.Duration(nil), t.waits[m.waits:]...), count: t.count - m.count}
	for s, d := range t.durs {
		out.durs[s] = append([]time.Duration(nil), d[m.lens[s]:]...)
	}
	return out
}

// percentile is the nearest-rank percentile p (0-100) of ds in ms.
func percentile(ds []time.Duration, p float64) float64 {
	if len(ds) == 0 {
		return -1
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	k := int(p/100*float64(len(s))+0.999999) - 1
	k = max(0, min(k, len(s)-1))
	return float64(s[k].Microseconds()) / 1000
}

// pq formats "p50 <a> p99 <b> ms" ("p50 - p99 - ms" without invocations).
func pq(ds []time.Duration) string {
	if len(ds) == 0 {
		return "p50 - p99 - ms"
	}
	return fmt.Sprintf("p50 %s p99 %s ms", ms(percentile(ds, 50)), ms(percentile(ds, 99)))
}

func ms(v float64) string {
	if v >= 100 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

func ratio(n, per int) string {
	if per == 0 {
		return "-"
	}
	return strconv.FormatFloat(float64(n)/float64(per), 'f', 2, 64)
}

// logMark is the length of each function's log at one moment.
type logMark map[string]int

func (s *stack) runners() []*lambdarun.Runner {
	rs := []*lambdarun.Runner{s.Runner}
	if s.APIRunner != nil {
		rs = append(rs, s.APIRunner)
	}
	return rs
}

func (s *stack) logMark() logMark {
	m := logMark{}
	for _, r := range s.runners() {
		for _, f := range r.Functions() {
			m[f.LogicalID] = len(r.FunctionLogs(f.LogicalID))
		}
	}
	return m
}

// logsSince returns each function's log lines written after m.
func (s *stack) logsSince(m logMark) []string {
	var lines []string
	for _, r := range s.runners() {
		for _, f := range r.Functions() {
			l := r.FunctionLogs(f.LogicalID)
			if from := m[f.LogicalID]; from <= len(l) {
				lines = append(lines, strings.Split(strings.TrimSpace(l[from:]), "\n")...)
			}
		}
	}
	return lines
}

// invocations is the API functions' invocation count (authorizers, the
// gate, its backend, the proofing functions): the triggers are timed.
//
// A function asks for its next event just after answering: the count is
// read once it has settled (two equal reads 20 ms apart, at most 1 s).
func (s *stack) apiInvocations() int {
	if s.APIRunner == nil {
		return 0
	}
	n := total(s.APIRunner.Invocations())
	for range 50 {
		time.Sleep(20 * time.Millisecond)
		m := total(s.APIRunner.Invocations())
		if m == n {
			break
		}
		n = m
	}
	return n
}

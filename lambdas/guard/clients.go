package guard

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

// GetParameterAPI is the part of the SSM client the protected-client list
// uses; *ssm.Client satisfies it.
type GetParameterAPI interface {
	GetParameter(ctx context.Context, in *ssm.GetParameterInput, optFns ...func(*ssm.Options)) (*ssm.GetParameterOutput, error)
}

var _ GetParameterAPI = (*ssm.Client)(nil)

// DefaultProtectedClientsTTL is how long a fetched list is reused.
const DefaultProtectedClientsTTL = 60 * time.Second

// maxClients bounds the list (Cognito allows up to 1,000 app clients per pool).
const maxClients = 1000

// ParameterClients is the set of protected app clients held in an SSM
// StringList parameter, which the construct writes from the client ids.
//
// Why a run-time read: the guard is the pool's trigger, so the pool
// depends on the function; a client depends on the pool; the client ids in
// the function's environment would close the cycle pool -> function ->
// client -> pool. The parameter depends on the clients, the function knows
// only the parameter's literal name.
//
// The list is cached for TTL per container; a failed refresh keeps the last
// good list (a short SSM outage changes nothing), a failed first fetch is an
// error (the guard then refuses: it cannot tell whom it protects).
type ParameterClients struct {
	api  GetParameterAPI
	name string
	ttl  time.Duration
	// Now is the clock. Default: time.Now.
	Now func() time.Time

	mu        sync.Mutex
	clients   []string
	fetchedAt time.Time
	fetched   bool
}

var _ ProtectedClients = (*ParameterClients)(nil)

// NewParameterClients returns the list held in the parameter name; a
// non-positive ttl means DefaultProtectedClientsTTL.
func NewParameterClients(api GetParameterAPI, name string, ttl time.Duration) *ParameterClients {
	if ttl <= 0 {
		ttl = DefaultProtectedClientsTTL
	}
	return &ParameterClients{api: api, name: name, ttl: ttl}
}

func (p *ParameterClients) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

// Contains reports whether clientID is one of the protected clients.
func (p *ParameterClients) Contains(ctx context.Context, clientID string) (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.fetched || p.now().Sub(p.fetchedAt) >= p.ttl {
		clients, err := p.fetch(ctx)
		switch {
		case err == nil:
			p.clients, p.fetchedAt, p.fetched = clients, p.now(), true
		case !p.fetched:
			return false, err
		}
	}
	return clientID != "" && slices.Contains(p.clients, clientID), nil
}

func (p *ParameterClients) fetch(ctx context.Context) ([]string, error) {
	if p.api == nil || p.name == "" {
		return nil, errors.New("guard: protected clients parameter not configured")
	}
	out, err := p.api.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(p.name)})
	if err != nil {
		return nil, fmt.Errorf("guard: get protected clients: %w", err)
	}
	if out == nil || out.Parameter == nil || out.Parameter.Value == nil {
		return nil, errors.New("guard: protected clients parameter has no value")
	}
	var clients []string
	for _, c := range strings.Split(*out.Parameter.Value, ",") {
		if c = strings.TrimSpace(c); c != "" {
			clients = append(clients, c)
		}
	}
	if len(clients) == 0 || len(clients) > maxClients {
		return nil, fmt.Errorf("guard: protected clients parameter holds %d ids, expected 1..%d", len(clients), maxClients)
	}
	return clients, nil
}

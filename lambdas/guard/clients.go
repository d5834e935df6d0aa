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
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
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
// An entry "custom-auth-only:<id>" (contract.ProtectedCustomAuthOnlyPrefix)
// says that <id>, listed as well, signs in with CUSTOM_AUTH only. A marker
// without its plain id protects nothing: only a plain id protects.
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
	clients   clientList
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

// clientList is a parsed parameter value.
type clientList struct {
	protected, customAuthOnly []string
}

// Protection says how the list protects clientID.
func (p *ParameterClients) Protection(ctx context.Context, clientID string) (Protection, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.fetched || p.now().Sub(p.fetchedAt) >= p.ttl {
		clients, err := p.fetch(ctx)
		switch {
		case err == nil:
			p.clients, p.fetchedAt, p.fetched = clients, p.now(), true
		case !p.fetched:
			return Unprotected, err
		}
	}
	switch {
	case clientID == "" || !slices.Contains(p.clients.protected, clientID):
		return Unprotected, nil
	case slices.Contains(p.clients.customAuthOnly, clientID):
		return ProtectedCustomAuthOnly, nil
	}
	return ProtectedAnyFlow, nil
}

func (p *ParameterClients) fetch(ctx context.Context) (clientList, error) {
	var l clientList
	if p.api == nil || p.name == "" {
		return l, errors.New("guard: protected clients parameter not configured")
	}
	out, err := p.api.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(p.name)})
	if err != nil {
		return l, fmt.Errorf("guard: get protected clients: %w", err)
	}
	if out == nil || out.Parameter == nil || out.Parameter.Value == nil {
		return l, errors.New("guard: protected clients parameter has no value")
	}
	for _, c := range strings.Split(*out.Parameter.Value, ",") {
		c = strings.TrimSpace(c)
		if id, ok := strings.CutPrefix(c, contract.ProtectedCustomAuthOnlyPrefix); ok {
			if id != "" {
				l.customAuthOnly = append(l.customAuthOnly, id)
			}
		} else if c != "" {
			l.protected = append(l.protected, c)
		}
	}
	if len(l.protected) == 0 || len(l.protected) > maxClients || len(l.customAuthOnly) > maxClients {
		return clientList{}, fmt.Errorf("guard: protected clients parameter holds %d ids and %d custom-auth-only marks, expected 1..%d of each", len(l.protected), len(l.customAuthOnly), maxClients)
	}
	return l, nil
}

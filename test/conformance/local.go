package conformance

import (
	"context"
	"fmt"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/cognitobridge/cognitobridge/test/localcognito"
)

// Local pool ids: "<region>_<name>", the name is what SRP hashes.
const (
	localRegion   = "us-east-1"
	localMainPool = localRegion + "_ConformanceMain"
	localMFAPool  = localRegion + "_ConformanceMfa"
	localClientID = "conformanceclient0000000001"
)

// LocalConfig is the localcognito.Config of a probe pool (mfa: the MFA pool,
// else the main pool), equal to what Provision creates on moto or AWS in
// every setting the endpoint knows. It is the one place to extend when the
// endpoint learns a setting. The settings that lc-accounts (user-name case,
// the email alias, AllowAdminCreateUserOnly, the password policy, required
// attributes, and the codes in localCodes), lc-tokens (AuthSessionValidity,
// EnableTokenRevocation) and lc-mfa (MfaConfiguration ON with
// SOFTWARE_TOKEN_MFA) add are in testdata/postmerge-local.patch: after the
// three merges, `git apply test/conformance/testdata/postmerge-local.patch`,
// empty WaitingOnBranch, and run the suite with -update (tried on a trial
// merge: every probe then observes the documented behaviour locally).
func LocalConfig(mfa bool) localcognito.Config {
	revocation := true
	c := localcognito.Config{
		Region:                 localRegion,
		PoolID:                 localMainPool,
		AutoVerifiedAttributes: []string{"email"},
		Clients: []localcognito.Client{{
			ID:                         localClientID,
			Name:                       "app",
			ExplicitAuthFlows:          []string{"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"},
			PreventUserExistenceErrors: "ENABLED",
			AuthSessionValidity:        AuthSessionMinutes,
			EnableTokenRevocation:      &revocation,
		}},
		UsernameCaseInsensitive:  true,
		AliasAttributes:          []string{"email"},
		AllowAdminCreateUserOnly: true,
		PasswordPolicy:           &localcognito.PasswordPolicy{MinimumLength: PasswordMinLength, RequireUppercase: true, RequireLowercase: true, RequireNumbers: true, RequireSymbols: true, TemporaryPasswordValidityDays: 3},
		RequiredAttributes:       []string{"email"},
		AccountRecovery:          []string{"verified_email"},
	}
	if mfa {
		c.PoolID = localMFAPool
		c.UsernameAttributes = []string{"email"}
		c.AliasAttributes = nil
		c.AllowAdminCreateUserOnly = false
		c.RequiredAttributes = []string{"email", "name"}
		c.MfaConfiguration = "ON"
		c.EnabledMfas = []string{"SOFTWARE_TOKEN_MFA"}
	}
	return c
}

// localCodes reads the codes the local endpoint would mail.
// TODO(after merging lc-accounts): the endpoint's accessors for the
// ForgotPassword and attribute-verification codes.
type localCodes struct {
	servers map[string]*localcognito.Server
}

func (l localCodes) Code(p Pool, username, purpose string) (string, error) {
	s := l.servers[p.PoolID]
	if s == nil {
		return "", fmt.Errorf("no local pool %s", p.PoolID)
	}
	lp := map[string]string{CodeForgotPassword: localcognito.PurposeForgotPassword, CodeVerifyEmail: localcognito.PurposeVerifyEmail}[purpose]
	if c := s.PendingCode(username, lp); c != "" {
		return c, nil
	}
	return "", fmt.Errorf("no pending %s code", purpose)
}

// localUsers seeds users with Server.SeedUser: the endpoint does not serve
// AdminCreateUser (a confirmed user with a permanent password is what
// AdminCreateUser + AdminSetUserPassword(Permanent) make).
type localUsers struct {
	servers map[string]*localcognito.Server
}

func (l localUsers) CreateUser(_ context.Context, p Pool, username, password string, attrs map[string]string) error {
	s := l.servers[p.PoolID]
	if s == nil {
		return fmt.Errorf("no local pool %s", p.PoolID)
	}
	_, err := s.SeedUser(username, password, attrs, true)
	return err
}

// offsetClock is the endpoint's clock: real time plus what the probes
// advanced it by (TOTP codes are computed from real time, so it only ever
// moves for the session-validity probe, which moves it back).
type offsetClock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *offsetClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *offsetClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.off += d
	c.mu.Unlock()
}

// StartLocal runs the two local pools in-process on loopback and returns
// their target and a function that stops them.
func StartLocal() (*Target, func(), error) {
	clock := &offsetClock{}
	servers := map[string]*localcognito.Server{}
	var closers []func()
	stop := func() {
		for _, c := range closers {
			c()
		}
	}
	start := func(mfa bool) (Pool, error) {
		cfg := LocalConfig(mfa)
		s, err := localcognito.New(cfg, localcognito.Options{Now: clock.now})
		if err != nil {
			return Pool{}, err
		}
		ts := httptest.NewServer(s.Handler())
		closers = append(closers, ts.Close)
		s.SetIssuer(ts.URL)
		servers[cfg.PoolID] = s
		return Pool{Endpoint: ts.URL, PoolID: cfg.PoolID, ClientID: cfg.Clients[0].ID}, nil
	}
	t := &Target{
		Name:        "local",
		Region:      localRegion,
		Credentials: aws.AnonymousCredentials{},
		Users:       localUsers{servers},
		Codes:       localCodes{servers},
		Clock:       clock,
	}
	var err error
	if t.Main, err = start(false); err != nil {
		stop()
		return nil, nil, err
	}
	if t.MFA, err = start(true); err != nil {
		stop()
		return nil, nil, err
	}
	return t, stop, nil
}

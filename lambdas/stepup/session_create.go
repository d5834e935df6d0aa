package stepup

// Create for the verification-session kind (contract.ProviderBlockIDSession).
//
// A known, enrolled user: Create reads the user's enrollment (one GetItem),
// counts the start against the user's cap (one UpdateItem, create_cap.go),
// starts a session at the provider for the enrolled subject with the
// configured reason and timeout, and returns the public parameters
// {provider, sessionUrl, stepupBinding} and the private ones {sessionId,
// bindingHash, createdAt, enrolledIssuer, enrolledSubject}. The session id
// never reaches the client.
//
// A user Cognito does not know (userNotFound), and a user who is not
// enrolled (or enrolled with another provider's identity) when nothing in
// this sign-in proved the password, get a decoy: the same public parameter
// names, a session URL shaped like the last real one this container handed
// out (route words kept, every other character replaced by a random one of
// its class, all query values and the fragment randomized), no provider
// call, no table read, and a wait as long as the last real start took. Its
// private parameters carry contract.PrivateDecoy, so Verify refuses
// without calling anyone. A user who proved the password and is not
// enrolled is refused at once (not_enrolled): the password holder learns
// only what the sign-in's failure tells anyway.

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"math/big"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/enrollment"
	"github.com/cognitobridge/cognitobridge/lambdas/vsession"
)

// EnrollmentReader reads a user's enrolled provider identity;
// *steprecord.Store satisfies it.
type EnrollmentReader interface {
	Enrollment(ctx context.Context, poolID, sub string) (enrollment.Identity, bool, error)
}

// maxDecoyWait bounds the wait that makes a decoy take as long as a real start.
const maxDecoyWait = 1500 * time.Millisecond

// sessionState is what a Create container remembers between invocations
// of the verification-session kind. The zero value is ready.
type sessionState struct {
	// lastURL is the last real session URL handed out (the decoy's shape).
	lastURL atomic.Pointer[url.URL]
	// lastCost is how long the last real enrollment read and start took.
	lastCost atomic.Int64
}

// sessionIssuer is the issuer of the enrollments the session kind accepts:
// Config.Issuer, else the BlockID OIDC issuer of the secret's tenant.
func sessionIssuer(cfg Config, sec contract.SessionSecret) (string, error) {
	if cfg.Issuer != "" {
		return cfg.Issuer, nil
	}
	if sec.TenantDNS == "" || sec.Community == "" {
		return "", errors.New("no issuer: set the issuer, or tenantDns and community in the secret")
	}
	return "https://" + sec.TenantDNS + "/oauth2/community/" + sec.Community + "/v1", nil
}

// passwordProven reports whether this sign-in passed the password step.
func passwordProven(s []ChallengeResult) bool {
	for _, c := range s {
		if c.ChallengeName == ChallengePasswordVerifier && c.ChallengeResult {
			return true
		}
	}
	return false
}

func (h *CreateHandler) sessionChallenge(ctx context.Context, ev CreateEvent) (pub, priv map[string]string, _ Reason) {
	start := time.Now()
	if h.secrets == nil {
		return nil, nil, ReasonSecretUnavailable
	}
	raw, err := h.secrets.Value(ctx)
	if err != nil {
		return nil, nil, ctxReason(ctx, ReasonSecretUnavailable)
	}
	sec, err := vsession.ParseSecret(raw)
	if err != nil {
		return nil, nil, ReasonSecretInvalid
	}
	issuer, err := sessionIssuer(h.cfg, sec)
	if err != nil {
		return nil, nil, ReasonSecretInvalid
	}
	if ev.Request.UserNotFound {
		return h.decoy(ctx, ev, sec, ReasonUserNotFound)
	}
	id, found, err := h.enrollments.Enrollment(ctx, ev.UserPoolID, ev.Request.UserAttributes["sub"])
	switch {
	case err != nil:
		return nil, nil, ctxReason(ctx, ReasonRecordFailed)
	case !found:
		return h.refuseOrDecoy(ctx, ev, sec, ReasonNotEnrolled)
	case id.Issuer != issuer || !id.Valid():
		return h.refuseOrDecoy(ctx, ev, sec, ReasonEnrollmentMismatch)
	}
	if reason := h.takeStart(ctx, ev); reason != ReasonOK {
		return nil, nil, reason
	}
	p := &vsession.BlockID{APIURL: h.cfg.Session.APIURL, Secrets: h.secrets, HTTP: h.prov.client}
	s, err := p.Start(ctx, vsession.StartRequest{Subject: id.Subject, Reason: h.cfg.Session.Reason, Timeout: h.cfg.Session.Timeout})
	if err != nil {
		return nil, nil, sessionErrReason(ctx, err)
	}
	if u, err := url.Parse(s.URL); err == nil {
		h.session.lastURL.Store(u)
	}
	h.session.lastCost.Store(int64(time.Since(start)))
	binding := randomToken()
	pub = map[string]string{
		contract.PublicProvider:      h.cfg.Provider,
		contract.PublicSessionURL:    s.URL,
		contract.PublicStepUpBinding: binding,
	}
	priv = map[string]string{
		contract.PrivateSessionID:       s.ID,
		contract.PrivateBindingHash:     contract.BindingHash(binding),
		contract.PrivateCreatedAt:       strconv.FormatInt(start.UnixMilli(), 10),
		contract.PrivateEnrolledIssuer:  id.Issuer,
		contract.PrivateEnrolledSubject: id.Subject,
	}
	return pub, priv, ReasonOK
}

// refuseOrDecoy refuses a known user who proved the password; anyone else
// gets a decoy, so that enrollment does not show to someone who only
// knows a user name.
func (h *CreateHandler) refuseOrDecoy(ctx context.Context, ev CreateEvent, sec contract.SessionSecret, reason Reason) (map[string]string, map[string]string, Reason) {
	if passwordProven(ev.Request.Session) {
		return nil, nil, reason
	}
	l := h.Logger
	if l == nil {
		l = defaultLogger()
	}
	l.LogAttrs(ctx, slog.LevelWarn, "stepup session decoy",
		slog.String("trigger", "create"),
		slog.String("reason", string(reason)),
		slog.String("userPoolId", ev.UserPoolID),
		slog.String("user", userRef(ev.UserPoolID, ev.UserName)))
	return h.decoy(ctx, ev, sec, reason)
}

// decoy returns the parameters of a challenge with no session behind it.
func (h *CreateHandler) decoy(ctx context.Context, _ CreateEvent, sec contract.SessionSecret, reason Reason) (map[string]string, map[string]string, Reason) {
	now := time.Now()
	base := h.cfg.Session.APIURL
	if base == "" {
		base = "https://" + sec.TenantDNS
	}
	sessionURL := decoyURL(h.session.lastURL.Load(), base)
	if wait := min(time.Duration(h.session.lastCost.Load()), maxDecoyWait); wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
	}
	binding := randomToken()
	pub := map[string]string{
		contract.PublicProvider:      h.cfg.Provider,
		contract.PublicSessionURL:    sessionURL,
		contract.PublicStepUpBinding: binding,
	}
	priv := map[string]string{
		contract.PrivateSessionID:   randomToken()[:24],
		contract.PrivateBindingHash: contract.BindingHash(binding),
		contract.PrivateCreatedAt:   strconv.FormatInt(now.UnixMilli(), 10),
		contract.PrivateDecoy:       string(reason),
	}
	return pub, priv, ReasonOK
}

// decoyURL imitates last (a real session URL): scheme and host kept, path
// segments that are short lower-case words (route names) kept, every other
// character of the path replaced by a random one of the same class, every
// query value and the fragment likewise. Without a real URL yet it is
// base + "/session/" + a random id.
func decoyURL(last *url.URL, base string) string {
	if last == nil {
		return strings.TrimRight(base, "/") + "/session/" + randomToken()[:24]
	}
	u := *last
	u.User, u.RawPath, u.ForceQuery = nil, "", false
	segs := strings.Split(u.Path, "/")
	for i, s := range segs {
		if !routeWord(s) {
			segs[i] = scramble(s)
		}
	}
	u.Path = strings.Join(segs, "/")
	if u.RawQuery != "" {
		q, err := url.ParseQuery(u.RawQuery)
		if err != nil {
			q = url.Values{}
		}
		for k, vs := range q {
			for i := range vs {
				vs[i] = scramble(vs[i])
			}
			q[k] = vs
		}
		u.RawQuery = q.Encode()
	}
	if u.Fragment != "" {
		u.Fragment, u.RawFragment = scramble(u.Fragment), ""
	}
	return u.String()
}

// routeWord: a path segment of 1..16 lower-case letters and '-'.
func routeWord(s string) bool {
	if s == "" {
		return true
	}
	if len(s) > 16 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c == '-') {
			return false
		}
	}
	return true
}

// scramble replaces each ASCII letter and digit with a random one of its
// class, keeping punctuation (a UUID stays UUID-shaped).
func scramble(s string) string {
	b := []byte(s)
	for i, c := range b {
		switch {
		case c >= 'a' && c <= 'z':
			b[i] = 'a' + randByte(26)
		case c >= 'A' && c <= 'Z':
			b[i] = 'A' + randByte(26)
		case c >= '0' && c <= '9':
			b[i] = '0' + randByte(10)
		}
	}
	return string(b)
}

func randByte(n int64) byte {
	v, _ := rand.Int(rand.Reader, big.NewInt(n))
	return byte(v.Int64())
}

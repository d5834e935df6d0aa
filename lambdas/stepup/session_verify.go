package stepup

// Verify for the verification-session kind (contract.ProviderBlockIDSession).
//
// The client's answer only says "I am done": it must be the JSON string
// {"done":true} and nothing else. Everything Verify decides on it fetches
// itself, server side, by the private session id Create kept: a session of
// this challenge (the id answered is the id asked), completed, no earlier
// than the challenge's creation and not expired, run for the enrolled
// subject, with a face match and liveness. Then the sign-in is recorded
// through the Recorder like an OIDC step-up, with the enrolled identity and
// no first-use enrollment (FirstUse = not_enrolled): a warm Verify is one
// provider call and one DynamoDB call.

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"io"
	"strconv"
	"time"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/enrollment"
	"github.com/cognitobridge/cognitobridge/lambdas/vsession"
)

// sessionPoll is the pause between two result fetches of a pending session.
const sessionPoll = 200 * time.Millisecond

// SessionAnswerJSON is the challengeAnswer of the verification-session
// kind, as a client sends it: the JSON string `{"done":true}`.
func SessionAnswerJSON() json.RawMessage {
	inner, _ := json.Marshal(contract.SessionAnswer{Done: true})
	outer, _ := json.Marshal(string(inner))
	return outer
}

// ParseSessionAnswer accepts exactly a JSON string of at most
// contract.MaxSessionAnswerBytes holding the object {"done": true} (one
// member, exact case, nothing after it).
func ParseSessionAnswer(raw json.RawMessage) Reason {
	if len(raw) > 6*contract.MaxSessionAnswerBytes+2 {
		return ReasonAnswerTooLarge
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '"' {
		return ReasonAnswerMalformed
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return ReasonAnswerMalformed
	}
	if len(s) > contract.MaxSessionAnswerBytes {
		return ReasonAnswerTooLarge
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return ReasonAnswerMalformed
	}
	if tok, err := dec.Token(); err != nil || tok != "done" {
		return ReasonAnswerMalformed
	}
	if tok, err := dec.Token(); err != nil || tok != true {
		return ReasonAnswerMalformed
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return ReasonAnswerMalformed
	}
	if _, err := dec.Token(); err != io.EOF {
		return ReasonAnswerMalformed
	}
	return ReasonOK
}

// sessionChallengeParams are the private parameters Create kept.
type sessionChallengeParams struct {
	sessionID, bindingHash string
	createdAt              time.Time
	enrolled               enrollment.Identity
}

func parseSessionParams(priv map[string]string) (sessionChallengeParams, bool) {
	p := sessionChallengeParams{
		sessionID:   priv[contract.PrivateSessionID],
		bindingHash: priv[contract.PrivateBindingHash],
		enrolled:    enrollment.Identity{Issuer: priv[contract.PrivateEnrolledIssuer], Subject: priv[contract.PrivateEnrolledSubject]},
	}
	ms, err := strconv.ParseInt(priv[contract.PrivateCreatedAt], 10, 64)
	if err != nil || ms <= 0 || !vsession.SessionIDPattern.MatchString(p.sessionID) || len(p.bindingHash) != 64 || !p.enrolled.Valid() {
		return sessionChallengeParams{}, false
	}
	p.createdAt = time.UnixMilli(ms)
	return p, true
}

// decoyReason is the refusal of a decoy challenge (see session_create.go).
func decoyReason(v string) Reason {
	switch r := Reason(v); r {
	case ReasonUserNotFound, ReasonNotEnrolled, ReasonEnrollmentMismatch:
		return r
	}
	return ReasonChallengeParamsBad
}

// checkSessionKind is checkSession as a verifyKind: a session has no
// token endpoint, so no OAuth error code.
func (h *VerifyHandler) checkSessionKind(ctx context.Context, ev VerifyEvent) (Reason, string, string) {
	r, note := h.checkSession(ctx, ev)
	return r, note, ""
}

// checkSession is check for the verification-session kind; ctx carries the
// invocation's budget.
func (h *VerifyHandler) checkSession(ctx context.Context, ev VerifyEvent) (Reason, string) {
	req := ev.Request
	if req.UserNotFound {
		return ReasonUserNotFound, ""
	}
	if r := ParseSessionAnswer(req.ChallengeAnswer); r != ReasonOK {
		return r, ""
	}
	if d, ok := req.PrivateChallengeParameters[contract.PrivateDecoy]; ok {
		return decoyReason(d), ""
	}
	p, ok := parseSessionParams(req.PrivateChallengeParameters)
	if !ok {
		return ReasonChallengeParamsBad, ""
	}
	skew := h.cfg.AuthTimeSkew
	if time.Now().After(p.createdAt.Add(h.cfg.Session.Timeout + skew)) {
		// Older than the session may live: no need to ask.
		return ReasonSessionExpired, ""
	}
	if h.secrets == nil {
		return ReasonSecretUnavailable, ""
	}
	prov := &vsession.BlockID{APIURL: h.cfg.Session.APIURL, Secrets: h.secrets, HTTP: h.client}
	res, reason := h.sessionResult(ctx, prov, p.sessionID)
	if reason != ReasonOK {
		return reason, ""
	}
	if reason := judgeSession(res, p, time.Now(), skew); reason != ReasonOK {
		return reason, ""
	}
	reason, note := h.rec.Record(ctx, Passed{
		Event:       ev,
		Identity:    p.enrolled,
		BindingHash: p.bindingHash,
		// No first-use enrollment from a face session: a user the
		// enrollment no longer names is refused.
		FirstUse: ReasonNotEnrolled,
	})
	if reason != ReasonOK && reason != ReasonNotEnrolled {
		reason = ctxReason(ctx, reason)
	}
	return reason, note
}

// sessionResult fetches the session's result, asking again while it is
// pending for up to Session.PendingWait (and never past the budget).
func (h *VerifyHandler) sessionResult(ctx context.Context, prov vsession.Provider, id string) (vsession.Result, Reason) {
	until := time.Now().Add(h.cfg.Session.PendingWait)
	for {
		res, err := prov.Result(ctx, id)
		if err != nil {
			return vsession.Result{}, sessionErrReason(ctx, err)
		}
		if res.Status != vsession.StatusPending || !time.Now().Add(sessionPoll).Before(until) {
			return res, ReasonOK
		}
		t := time.NewTimer(sessionPoll)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return vsession.Result{}, ReasonSessionPending
		}
	}
}

// judgeSession applies every check of a fetched result, in a fixed order:
// whose session, its state, whose face, the verdicts, then the times.
func judgeSession(res vsession.Result, p sessionChallengeParams, now time.Time, skew time.Duration) Reason {
	if subtle.ConstantTimeCompare([]byte(res.ID), []byte(p.sessionID)) != 1 {
		return ReasonSessionMismatch
	}
	switch res.Status {
	case vsession.StatusCompleted:
	case vsession.StatusPending:
		return ReasonSessionPending
	case vsession.StatusExpired:
		return ReasonSessionExpired
	case vsession.StatusFailed:
		return ReasonSessionFailed
	default:
		return ReasonProviderAnswerInvalid
	}
	if res.Subject != p.enrolled.Subject {
		return ReasonSessionSubjectMismatch
	}
	if !res.MatchResult {
		return ReasonMatchFailed
	}
	if !res.LivenessVerified {
		return ReasonLivenessFailed
	}
	switch {
	case res.CompletedAt.IsZero(), res.CompletedAt.After(now.Add(skew)):
		return ReasonProviderAnswerInvalid
	case res.CompletedAt.Before(p.createdAt.Add(-skew)):
		return ReasonSessionStale
	case !res.ExpiresAt.IsZero() && now.After(res.ExpiresAt.Add(skew)):
		return ReasonSessionExpired
	}
	return ReasonOK
}

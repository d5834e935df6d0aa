package stepup

import (
	"context"
	"log/slog"
	"slices"
	"time"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

func failDefine() DefineResponse { return DefineResponse{FailAuthentication: true} }

func nextChallenge(name string) DefineResponse { return DefineResponse{ChallengeName: name} }

// Define decides the next step of a custom-auth sign-in from the session
// alone (and, with PolicyOnDemand, the reason the PASSWORD_VERIFIER answer
// names). The only way to issueTokens is: SRP_A (true), PASSWORD_VERIFIER
// (true), then up to MaxAttempts CUSTOM_CHALLENGE entries carrying
// contract.ChallengeMetadata of which only the last is true; or, with
// AllowPasswordless, the same custom entries without the password steps.
// Everything else fails. Unknown users get the same answers as known ones
// but never tokens.
func Define(req DefineRequest, cfg DefineConfig) (DefineResponse, Reason) {
	maxAttempts := cfg.MaxAttempts
	if maxAttempts < 1 {
		maxAttempts = DefaultMaxAttempts
	}
	s := req.Session
	idx := 0
	switch {
	case len(s) > 0 && s[0].ChallengeName == ChallengeSRPA:
		if !s[0].ChallengeResult {
			return failDefine(), ReasonSRPFailed
		}
		if len(s) == 1 {
			return nextChallenge(ChallengePasswordVerifier), ReasonNextPasswordVerifier
		}
		if s[1].ChallengeName != ChallengePasswordVerifier {
			return failDefine(), ReasonSequenceInvalid
		}
		if !s[1].ChallengeResult {
			return failDefine(), ReasonPasswordFailed
		}
		idx = 2
		if len(s) == 2 && cfg.Policy == contract.PolicyOnDemand && !slices.Contains(cfg.Reasons, req.ClientMetadata[contract.MetadataStepUpReason]) {
			// On demand, and this sign-in asked for no allowed reason (the
			// PASSWORD_VERIFIER answer's ClientMetadata: Amplify's signIn
			// options.clientMetadata): ordinary tokens after the password.
			if req.UserNotFound {
				return failDefine(), ReasonUserNotFound
			}
			return DefineResponse{IssueTokens: true}, ReasonOKPasswordOnly
		}
	case !cfg.AllowPasswordless:
		return failDefine(), ReasonPasswordRequired
	case len(s) == 0:
		return nextChallenge(ChallengeCustom), ReasonPasswordlessStart
	}
	customs := s[idx:]
	if len(customs) == 0 {
		return nextChallenge(ChallengeCustom), ReasonNextCustomChallenge
	}
	if len(customs) > maxAttempts {
		return failDefine(), ReasonAttemptsExceeded
	}
	for i, c := range customs {
		if c.ChallengeName != ChallengeCustom {
			return failDefine(), ReasonSequenceInvalid
		}
		if c.ChallengeMetadata != contract.ChallengeMetadata {
			return failDefine(), ReasonForeignChallenge
		}
		if c.ChallengeResult && i != len(customs)-1 {
			return failDefine(), ReasonSequenceInvalid
		}
	}
	if customs[len(customs)-1].ChallengeResult {
		if req.UserNotFound {
			return failDefine(), ReasonUserNotFound
		}
		return DefineResponse{IssueTokens: true}, ReasonOK
	}
	if len(customs) < maxAttempts {
		return nextChallenge(ChallengeCustom), ReasonRetryCustomChallenge
	}
	return failDefine(), ReasonAttemptsExceeded
}

// DefineHandler is the DefineAuthChallenge Lambda handler.
type DefineHandler struct {
	cfg DefineConfig
	// Logger receives one JSON line per decision. Default: JSON to stderr.
	Logger *slog.Logger
}

// NewDefineHandler returns a Define handler for cfg.
func NewDefineHandler(cfg DefineConfig) *DefineHandler {
	return &DefineHandler{cfg: cfg, Logger: defaultLogger()}
}

// Handle answers one DefineAuthChallenge event; it never returns an error
// and fails the authentication on any panic.
func (h *DefineHandler) Handle(ctx context.Context, ev DefineEvent) (out DefineEvent, err error) {
	start := time.Now()
	reason := ReasonInternalError
	out = ev
	out.Response = failDefine()
	defer func() {
		if r := recover(); r != nil {
			out.Response, reason, err = failDefine(), ReasonInternalError, nil
		}
		logDecision(ctx, h.Logger, "define", reason, ev.Header, start, slog.Int("session_len", len(ev.Request.Session)),
			slog.Bool("fail", out.Response.FailAuthentication), slog.Bool("issue", out.Response.IssueTokens))
	}()
	out.Response, reason = Define(ev.Request, h.cfg)
	return out, nil
}

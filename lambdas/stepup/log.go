package stepup

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/cognitobridge/cognitobridge/lambdas/internal/emf"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/logref"
)

func defaultLogger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(os.Stderr, nil))
}

// userRef is a short one-way reference to a user for log correlation; it
// is not the user name.
func userRef(poolID, userName string) string { return logref.Ref(poolID, userName) }

// logDecision writes the single decision line of an invocation. Only codes,
// ids and durations are logged: never tokens, codes, answers, parameters,
// secrets or the event.
func logDecision(ctx context.Context, l *slog.Logger, trigger string, reason Reason, h Header, start time.Time, extra ...slog.Attr) {
	if l == nil {
		l = defaultLogger()
	}
	level := slog.LevelInfo
	switch reason {
	case ReasonOK, ReasonNextPasswordVerifier, ReasonNextCustomChallenge, ReasonPasswordlessStart:
	case ReasonInternalError:
		level = slog.LevelError
	default:
		level = slog.LevelWarn
	}
	attrs := []slog.Attr{
		slog.String("trigger", trigger),
		slog.String("reason", string(reason)),
		slog.String("userPoolId", h.UserPoolID),
		slog.String("user", userRef(h.UserPoolID, h.UserName)),
		slog.Int64("duration_ms", time.Since(start).Milliseconds()),
	}
	attrs = append(attrs, extra...)
	attrs = append(attrs, emf.Decision("stepup_"+trigger, string(reason), level, start)...)
	l.LogAttrs(ctx, level, "stepup decision", attrs...)
}

// Package presignup is the one pre sign-up trigger of a user pool (Cognito
// runs one Lambda function per trigger). It composes behaviours, such as
// account linking (package linking), run in the configured order
// (contract.EnvPreSignUpBehaviours).
//
// A behaviour error refuses the sign-up: Cognito fails the sign-up and
// shows the client the error message. A *UserError carries a message that
// is safe to show and a reason code for the log; any other error (or a
// panic) refuses with the generic ErrSignUpRefused, so internals never
// reach the client and a broken behaviour never lets a sign-up through.
//
// A new behaviour (identity proofing, issue 4) is added by implementing
// Behaviour, giving it a contract.Behaviour* name, adding that name to
// KnownBehaviours and a Factory for it in the command.
package presignup

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/deadline"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/emf"

	"github.com/cognitobridge/cognitobridge/lambdas/internal/logref"
)

// Behaviour is one step of the pre sign-up decision. Apply may change the
// event's Response; returning an error refuses the sign-up.
type Behaviour interface {
	Name() string
	Apply(ctx context.Context, ev *Event) error
}

// KnownBehaviours are the names ConfigFromEnv accepts.
var KnownBehaviours = []string{contract.BehaviourLinking, contract.BehaviourProofing}

// ErrSignUpRefused is returned for every refusal that is not a *UserError.
var ErrSignUpRefused = errors.New("sign-up refused")

// UserError refuses a sign-up with a message meant for the person signing
// up. Message must never carry internals (no AWS error, no attribute).
type UserError struct {
	// Reason is the code logged for the refusal.
	Reason string
	// Message is shown to the client by Cognito.
	Message string
}

// Error returns Message: it is what Cognito shows the client.
func (e *UserError) Error() string { return e.Message }

// Refuse returns a *UserError.
func Refuse(reason, message string) error { return &UserError{Reason: reason, Message: message} }

// Reason codes of the handler itself; behaviours add their own.
const (
	ReasonOK            = "ok"
	ReasonInternalError = "internal_error"
	ReasonPanic         = "panic"
)

// Time bounds: all behaviours together stay well under Cognito's 5 s.
const (
	// MaxBudget caps the time of one invocation's upstream calls.
	MaxBudget = 4 * time.Second
	// DeadlineMargin is kept back from the Lambda deadline.
	DeadlineMargin = 300 * time.Millisecond
)

// WithBudget returns ctx bounded by its deadline minus DeadlineMargin, at
// most MaxBudget from now. Applying it twice only shortens the deadline.
func WithBudget(ctx context.Context) (context.Context, context.CancelFunc) {
	return deadline.Context(ctx, DeadlineMargin, MaxBudget)
}

// Config is the handler's configuration.
type Config struct {
	// Behaviours are the behaviour names in execution order.
	Behaviours []string
}

// ConfigFromEnv reads contract.EnvPreSignUpBehaviours: a comma separated,
// non-empty list of KnownBehaviours without repetition.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	raw := getenv(contract.EnvPreSignUpBehaviours)
	if strings.TrimSpace(raw) == "" {
		return Config{}, fmt.Errorf("%s: expected a comma separated list of %s, received nothing", contract.EnvPreSignUpBehaviours, strings.Join(KnownBehaviours, ", "))
	}
	var c Config
	var errs []error
	seen := map[string]bool{}
	for _, name := range strings.Split(raw, ",") {
		name = strings.TrimSpace(name)
		switch {
		case !known(name):
			errs = append(errs, fmt.Errorf("%s: unknown behaviour %q (known: %s)", contract.EnvPreSignUpBehaviours, name, strings.Join(KnownBehaviours, ", ")))
		case seen[name]:
			errs = append(errs, fmt.Errorf("%s: behaviour %q listed twice", contract.EnvPreSignUpBehaviours, name))
		default:
			seen[name] = true
			c.Behaviours = append(c.Behaviours, name)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return Config{}, err
	}
	return c, nil
}

func known(name string) bool {
	for _, k := range KnownBehaviours {
		if k == name {
			return true
		}
	}
	return false
}

// Factory builds one configured behaviour (reading its own configuration).
type Factory func() (Behaviour, error)

// Build makes the behaviours of c in order; a name without a factory, a
// factory error or a behaviour whose Name differs is an error.
func Build(c Config, factories map[string]Factory) ([]Behaviour, error) {
	out := make([]Behaviour, 0, len(c.Behaviours))
	var errs []error
	for _, name := range c.Behaviours {
		f := factories[name]
		if f == nil {
			errs = append(errs, fmt.Errorf("behaviour %q: not available in this handler", name))
			continue
		}
		b, err := f()
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("behaviour %q: %w", name, err))
		case b == nil || b.Name() != name:
			errs = append(errs, fmt.Errorf("behaviour %q: factory returned another behaviour", name))
		default:
			out = append(out, b)
		}
	}
	return out, errors.Join(errs...)
}

// Handler is the pre sign-up Lambda handler.
type Handler struct {
	behaviours []Behaviour
	// Logger receives one JSON line per invocation. Default: JSON to stderr.
	Logger *slog.Logger
}

// New returns a handler running behaviours in order.
func New(behaviours ...Behaviour) *Handler {
	return &Handler{behaviours: behaviours, Logger: slog.New(slog.NewJSONHandler(os.Stderr, nil))}
}

// Handle runs the behaviours on ev and returns the event (with the
// response the behaviours set) or the refusal. It never panics out.
func (h *Handler) Handle(ctx context.Context, ev Event) (out Event, err error) {
	start := time.Now()
	reason, by := ReasonInternalError, ""
	defer func() {
		if r := recover(); r != nil {
			reason = ReasonPanic
			out, err = Event{}, ErrSignUpRefused
		}
		h.log(ctx, reason, by, ev, start)
	}()
	if h == nil {
		return Event{}, ErrSignUpRefused
	}
	ctx, cancel := WithBudget(ctx)
	defer cancel()
	work := ev
	for _, b := range h.behaviours {
		by = b.Name()
		if berr := b.Apply(ctx, &work); berr != nil {
			var ue *UserError
			if errors.As(berr, &ue) && ue.Message != "" {
				reason = ue.Reason
				if reason == "" {
					reason = "refused"
				}
				return Event{}, &UserError{Reason: ue.Reason, Message: ue.Message}
			}
			reason = ReasonInternalError
			return Event{}, ErrSignUpRefused
		}
	}
	by, reason = "", ReasonOK
	return work, nil
}

func (h *Handler) log(ctx context.Context, reason, by string, ev Event, start time.Time) {
	if h == nil || h.Logger == nil {
		return
	}
	level := emf.Level(reason == ReasonInternalError || reason == ReasonPanic, reason != ReasonOK)
	h.Logger.LogAttrs(ctx, level, "presignup decision",
		slog.String("trigger", "presignup"),
		slog.String("reason", reason),
		slog.Bool("refused", reason != ReasonOK),
		slog.String("behaviour", by),
		slog.String("triggerSource", Clip(ev.TriggerSource)),
		slog.String("userPoolId", Clip(ev.UserPoolID)),
		slog.String("clientId", Clip(ev.CallerContext.ClientID)),
		slog.String("user", UserRef(ev.UserPoolID, ev.UserName)),
		slog.Int64("duration_ms", time.Since(start).Milliseconds()),
		emf.Attr(contract.HandlerPreSignUp, reason, level, start),
	)
}

// UserRef is a short one-way reference to a user for log correlation; it
// is not the user name.
func UserRef(poolID, userName string) string { return logref.Ref(poolID, userName) }

// Clip bounds a logged event field.
func Clip(s string) string { return logref.Clip(s) }

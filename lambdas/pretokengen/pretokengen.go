// Package pretokengen is the one pre token generation trigger of a user pool
// (Cognito runs one Lambda function per trigger). It composes behaviours,
// run in the configured order (contract.EnvPreTokenBehaviours), the way
// package presignup composes the pre sign-up trigger: the step-up guard is
// one behaviour (contract.BehaviourStepUpGuard), and a later token
// customization joins as another instead of taking the pool's only slot.
//
// A behaviour that does not pass refuses the issuance: Cognito then fails
// the sign-in ("If your Lambda function ... returns an error, the
// authentication event doesn't succeed") and shows the client the error,
// which is the refusing behaviour's public message only. Claims the passing
// behaviours add are merged into both tokens of a version 2/3 event; a
// version 1 event passes without claim changes.
package pretokengen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/emf"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/logref"
)

// Decision is what one behaviour decided for one issuance.
type Decision struct {
	// Pass lets the issuance go on.
	Pass bool
	// Reason is the code logged for the decision.
	Reason string
	// Refusal is the error the client sees when Pass is false; nil means
	// ErrRefused.
	Refusal error
	// Claims are added to the ID and the access token (version 2/3 events).
	Claims map[string]any
	// Suppress are claims removed from the ID token (every version), e.g.
	// user attributes that must not reach it; a suppressed claim is never
	// added by another behaviour either.
	Suppress []string
	// Log are extra log attributes of the decision (never user data).
	Log []slog.Attr
}

// Behaviour is one step of the pre token generation decision.
type Behaviour interface {
	Name() string
	Apply(ctx context.Context, ev Event) Decision
}

// ErrRefused is the refusal of a behaviour that names none.
var ErrRefused = errors.New("token issuance refused")

// KnownBehaviours are the names ConfigFromEnv accepts.
var KnownBehaviours = []string{contract.BehaviourStepUpGuard, contract.BehaviourAssurance}

// ConfigFromEnv reads contract.EnvPreTokenBehaviours: a comma separated,
// non-empty list of distinct known behaviour names.
func ConfigFromEnv(getenv func(string) string) ([]string, error) {
	raw := strings.TrimSpace(getenv(contract.EnvPreTokenBehaviours))
	var names []string
	for _, n := range strings.Split(raw, ",") {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		if !slices.Contains(KnownBehaviours, n) || slices.Contains(names, n) {
			return nil, fmt.Errorf("%s: expected distinct names of %v, received %q", contract.EnvPreTokenBehaviours, KnownBehaviours, logref.Clip(raw))
		}
		names = append(names, n)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("%s: expected at least one of %v, received %q", contract.EnvPreTokenBehaviours, KnownBehaviours, logref.Clip(raw))
	}
	return names, nil
}

// Factory builds a behaviour from the environment at start.
type Factory func() (Behaviour, error)

// Build makes the named behaviours with their factories.
func Build(names []string, factories map[string]Factory) ([]Behaviour, error) {
	out := make([]Behaviour, 0, len(names))
	for _, n := range names {
		f, ok := factories[n]
		if !ok {
			return nil, fmt.Errorf("%s: no factory for behaviour %q", contract.EnvPreTokenBehaviours, n)
		}
		b, err := f()
		if err != nil {
			return nil, fmt.Errorf("behaviour %s: %w", n, err)
		}
		out = append(out, b)
	}
	return out, nil
}

// Handler is the pre token generation Lambda handler.
type Handler struct {
	behaviours []Behaviour
	// Logger receives one JSON line per behaviour decision. Default: JSON
	// to stderr.
	Logger *slog.Logger
}

// New returns a handler running behaviours in order.
func New(behaviours ...Behaviour) *Handler {
	return &Handler{behaviours: behaviours, Logger: slog.New(slog.NewJSONHandler(os.Stderr, nil))}
}

// Handle runs every behaviour; it never panics out, and refuses when any
// behaviour does not pass (or panics).
func (h *Handler) Handle(ctx context.Context, ev Event) (out Event, err error) {
	claims := map[string]any{}
	var suppress []string
	for _, b := range h.behaviours {
		d := h.apply(ctx, b, ev)
		if !d.Pass {
			if d.Refusal != nil {
				return Event{}, d.Refusal
			}
			return Event{}, ErrRefused
		}
		for k, v := range d.Claims {
			claims[k] = v
		}
		for _, k := range d.Suppress {
			if !slices.Contains(suppress, k) {
				suppress = append(suppress, k)
			}
		}
	}
	for _, k := range suppress {
		delete(claims, k)
	}
	out = ev
	out.Response = ResponseWith(ev.Version, claims, suppress)
	return out, nil
}

// apply runs one behaviour, turning a panic into a refusal, and logs.
func (h *Handler) apply(ctx context.Context, b Behaviour, ev Event) (d Decision) {
	start := time.Now()
	defer func() {
		if r := recover(); r != nil {
			d = Decision{Reason: "internal_error"}
		}
		h.log(ctx, b.Name(), d, ev, start)
	}()
	return b.Apply(ctx, ev)
}

// IsV2 reports whether the event has the version 2/3 shape
// (claimsAndScopeOverrideDetails, access token customization).
func IsV2(version string) bool { return version != "" && version != "1" }

// Response is the response of a passing issuance: no changes (null), or
// for a version 2/3 event with claims, the claims added to both tokens.
func Response(version string, claims map[string]any) EventResponse {
	return ResponseWith(version, claims, nil)
}

// ResponseWith is Response that also suppresses claims from the ID token:
// for a version 1 event claimsOverrideDetails.claimsToSuppress (its claims
// are still not added), for version 2/3 idTokenGeneration.claimsToSuppress.
func ResponseWith(version string, claims map[string]any, suppress []string) EventResponse {
	null := json.RawMessage("null")
	if !IsV2(version) {
		if len(suppress) == 0 {
			return EventResponse{ClaimsOverrideDetails: null}
		}
		raw, err := json.Marshal(TokenGeneration{ClaimsToSuppress: suppress})
		if err != nil {
			return EventResponse{ClaimsOverrideDetails: null}
		}
		return EventResponse{ClaimsOverrideDetails: raw}
	}
	if len(claims) == 0 && len(suppress) == 0 {
		return EventResponse{ClaimsAndScopeOverrideDetails: null}
	}
	details := ClaimsAndScopeOverrideDetails{IDTokenGeneration: &TokenGeneration{ClaimsToAddOrOverride: claims, ClaimsToSuppress: suppress}}
	if len(claims) > 0 {
		details.AccessTokenGeneration = &TokenGeneration{ClaimsToAddOrOverride: claims}
	}
	raw, err := json.Marshal(details)
	if err != nil { // behaviours add numbers and strings only
		return EventResponse{ClaimsAndScopeOverrideDetails: null}
	}
	return EventResponse{ClaimsAndScopeOverrideDetails: raw}
}

func (h *Handler) log(ctx context.Context, behaviour string, d Decision, ev Event, start time.Time) {
	if h == nil || h.Logger == nil {
		return
	}
	level := emf.Level(d.Reason == "internal_error" || strings.HasSuffix(d.Reason, "_unavailable"), !d.Pass)
	attrs := []slog.Attr{
		slog.String("trigger", "pretokengen"),
		slog.String("behaviour", behaviour),
		slog.String("reason", d.Reason),
		slog.Bool("issued", d.Pass),
		slog.String("triggerSource", logref.Clip(ev.TriggerSource)),
		slog.String("userPoolId", logref.Clip(ev.UserPoolID)),
		slog.String("clientId", logref.Clip(ev.CallerContext.ClientID)),
		slog.String("user", logref.Ref(ev.UserPoolID, ev.UserName)),
		slog.Int64("duration_ms", time.Since(start).Milliseconds()),
	}
	attrs = append(attrs, d.Log...)
	attrs = append(attrs, emf.Decision(contract.HandlerPreTokenPrefix+behaviour, d.Reason, level, start)...)
	h.Logger.LogAttrs(ctx, level, "pre token generation decision", attrs...)
}

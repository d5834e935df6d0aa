package proofing

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/emf"
	"github.com/cognitobridge/cognitobridge/lambdas/presignup"
)

// Reasons of the pre sign-up behaviour.
const (
	ReasonNotSignUp          = "not_self_sign_up"
	ReasonSessionStarted     = "session_started"
	ReasonHandleMissing      = "handle_missing"
	ReasonHandleMalformed    = "handle_malformed"
	ReasonReservedAttribute  = "reserved_attribute"
	ReasonRecordExists       = "record_exists"
	ReasonProviderStartError = "provider_unavailable"
	ReasonStoreError         = "store_error"
	ReasonBehaviourInternal  = "internal_error"
)

// Messages shown to the person signing up.
const (
	MsgHandleRequired = "Identity verification is required to sign up: the app must send proofing_handle_sha256 (the hex SHA-256 of a random handle it keeps) as validation data. Please update the app or contact support."
	MsgReserved       = "The sign-up request sets attributes that only identity verification may set."
	MsgRetry          = "Identity verification could not be started right now. Please try signing up again in a few minutes."
	MsgInProgress     = "An identity verification for this user name is already in progress. Continue it, or try again later."
)

// ValidHandleHash reports whether s is 64 lower-case hex digits.
func ValidHandleHash(h string) bool {
	if len(h) != 64 {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// Behaviour is the pre sign-up behaviour contract.BehaviourProofing.
type Behaviour struct {
	idv   IDV
	store *Store
	cfg   BehaviourConfig
	// Cap counts each user name's proofing starts (cap.go). The deployed
	// behaviour always has one; nil counts nothing. Default: nil.
	Cap StartCap
	// Now is the clock. Default: time.Now.
	Now func() time.Time
	// Logger receives one JSON line per decision. Default: JSON to stderr.
	Logger *slog.Logger
}

var _ presignup.Behaviour = (*Behaviour)(nil)

// NewBehaviour returns the behaviour; cfg must pass Validate.
func NewBehaviour(idv IDV, store *Store, cfg BehaviourConfig) (*Behaviour, error) {
	if idv == nil || store == nil || store.API == nil {
		return nil, errors.New("proofing: behaviour needs an IDV and a store")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.DocumentTypes = append([]string(nil), cfg.DocumentTypes...)
	return &Behaviour{idv: idv, store: store, cfg: cfg, Now: time.Now, Logger: slog.New(slog.NewJSONHandler(os.Stderr, nil))}, nil
}

// Name is contract.BehaviourProofing.
func (b *Behaviour) Name() string { return contract.BehaviourProofing }

// Apply starts the proofing of a self-service sign-up. It never sets
// autoConfirmUser, autoVerifyEmail or autoVerifyPhone: it clears them, so
// no behaviour running before it can confirm an unproofed user.
func (b *Behaviour) Apply(ctx context.Context, ev *presignup.Event) error {
	start := time.Now()
	reason, err := b.decide(ctx, ev)
	if b.Logger != nil && ev != nil {
		level := emf.Level(false, err != nil)
		b.Logger.LogAttrs(ctx, level, "proofing presignup decision",
			slog.String("behaviour", contract.BehaviourProofing),
			slog.String("reason", reason),
			slog.Bool("refused", err != nil),
			slog.String("userPoolId", presignup.Clip(ev.UserPoolID)),
			slog.String("user", presignup.UserRef(ev.UserPoolID, ev.UserName)),
			slog.Int64("duration_ms", time.Since(start).Milliseconds()),
			emf.Attr(contract.HandlerPreSignUpProofing, reason, level, start))
	}
	return err
}

// HandleHash returns the client's handle hash from validationData, else
// clientMetadata.
func HandleHash(ev *presignup.Event) (string, bool) {
	if v, ok := ev.Request.ValidationData[contract.ProofingHandleKey]; ok {
		return v, true
	}
	v, ok := ev.Request.ClientMetadata[contract.ProofingHandleKey]
	return v, ok
}

func (b *Behaviour) decide(ctx context.Context, ev *presignup.Event) (reason string, err error) {
	defer func() {
		if r := recover(); r != nil {
			reason, err = ReasonBehaviourInternal, presignup.Refuse(ReasonBehaviourInternal, MsgRetry)
		}
	}()
	if ev == nil || ev.TriggerSource != presignup.TriggerSignUp {
		return ReasonNotSignUp, nil
	}
	ev.Response.AutoConfirmUser, ev.Response.AutoVerifyEmail, ev.Response.AutoVerifyPhone = false, false, false
	for k := range ev.Request.UserAttributes {
		if strings.HasPrefix(strings.ToLower(k), contract.AssuranceAttributePrefix) || strings.EqualFold(k, contract.AttrIdPIALRaw) {
			return ReasonReservedAttribute, presignup.Refuse(ReasonReservedAttribute, MsgReserved)
		}
	}
	hash, present := HandleHash(ev)
	switch {
	case !present:
		return ReasonHandleMissing, presignup.Refuse(ReasonHandleMissing, MsgHandleRequired)
	case !ValidHandleHash(hash):
		return ReasonHandleMalformed, presignup.Refuse(ReasonHandleMalformed, MsgHandleRequired)
	}
	if _, err := UserKey(ev.UserPoolID, ev.UserName); err != nil {
		return ReasonBehaviourInternal, presignup.Refuse(ReasonBehaviourInternal, MsgRetry)
	}
	ctx, cancel := presignup.WithBudget(ctx)
	defer cancel()
	now := b.Now()
	// A live record means a proofing is in progress for this name: refuse
	// before starting another provider session (Begin's conditional put is
	// the guard; this only spares the provider an orphan session).
	if _, found, err := b.store.Get(ctx, ev.UserPoolID, ev.UserName, now); err != nil {
		return ReasonStoreError, presignup.Refuse(ReasonStoreError, MsgRetry)
	} else if found {
		return ReasonRecordExists, presignup.Refuse(ReasonRecordExists, MsgInProgress)
	}
	switch reason := b.takeStart(ctx, ev.UserPoolID, ev.UserName); reason {
	case "":
	case ReasonUserCapReached:
		return reason, presignup.Refuse(reason, MsgTooManyStarts)
	default:
		return reason, presignup.Refuse(reason, MsgRetry)
	}
	sess, err := b.idv.StartSession(ctx, StartRequest{
		PoolID: ev.UserPoolID, Username: ev.UserName,
		DocumentTypes: b.cfg.DocumentTypes, Liveness: b.cfg.Liveness, CallbackURL: b.cfg.CallbackURL,
	})
	if err != nil {
		return ReasonProviderStartError, presignup.Refuse(ReasonProviderStartError, MsgRetry)
	}
	err = b.store.Begin(ctx, Record{
		PoolID: ev.UserPoolID, Username: ev.UserName, SessionID: sess.ID, SessionURL: sess.URL,
		HandleHash: hash, CreatedAt: now, Status: StatusPending, ExpiresAt: now.Add(b.cfg.RecordTTL),
	}, now)
	switch {
	case errors.Is(err, ErrExists):
		return ReasonRecordExists, presignup.Refuse(ReasonRecordExists, MsgInProgress)
	case err != nil:
		return ReasonStoreError, presignup.Refuse(ReasonStoreError, MsgRetry)
	}
	return ReasonSessionStarted, nil
}

package connect

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/deadline"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/httpapi"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/logref"
)

// DisconnectResponse is the answer of a successful disconnect.
type DisconnectResponse struct {
	Disconnected bool   `json:"disconnected"`
	Provider     string `json:"provider"`
}

// DisconnectHandler answers POST /connect/disconnect: it removes the
// caller's identity of this provider with AdminDisableProviderForUser
// (User = provider name, "Cognito_Subject", the identity's userId, as the
// API reference asks for an identity linked with Cognito_Subject), then
// the identity's owner record. The user keeps their password sign-in.
//
// An identity assurance this provider granted (custom:ial_src = the
// provider, see lambdas/assurance) is withdrawn first: the assurance
// attributes and the provider's raw claim are deleted, so nothing the
// provider vouched for outlives the link (the pre token generation
// behaviour also stops honouring it once the identity is gone). When the
// deletion fails nothing is disconnected and the caller may retry.
type DisconnectHandler struct {
	cfg     Config
	store   *Store
	cognito Cognito
	deleter AttributeDeleter
	events  Events
	// Now is the clock. Default: time.Now.
	Now func() time.Time
	// Logger receives one JSON line per request. Default: JSON to stderr.
	Logger *slog.Logger
}

// AttributeDeleter deletes user attributes (the withdrawn assurance);
// *cognitoidentityprovider.Client satisfies it.
type AttributeDeleter interface {
	AdminDeleteUserAttributes(ctx context.Context, in *cip.AdminDeleteUserAttributesInput, optFns ...func(*cip.Options)) (*cip.AdminDeleteUserAttributesOutput, error)
}

var _ AttributeDeleter = (*cip.Client)(nil)

// NewDisconnectHandler returns the disconnect handler; cognito must also be
// an AttributeDeleter, and events receives the account event of every
// disconnect.
func NewDisconnectHandler(cfg Config, store *Store, cognito Cognito, events Events) (*DisconnectHandler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if store == nil || store.API == nil || store.Table == "" || cognito == nil || events == nil {
		return nil, errors.New("connect: store, Cognito client and EventBridge client are required")
	}
	deleter, ok := cognito.(AttributeDeleter)
	if !ok {
		return nil, errors.New("connect: the disconnect's Cognito client must also delete user attributes (AdminDeleteUserAttributes)")
	}
	return &DisconnectHandler{cfg: cfg, store: store, cognito: cognito, deleter: deleter, events: events, Now: time.Now, Logger: slog.New(slog.NewJSONHandler(os.Stderr, nil))}, nil
}

// userReader keeps the AdminGetUser answer getUser reads, so the
// disconnect sees the attributes getUser does not return.
type userReader struct {
	Cognito
	out *cip.AdminGetUserOutput
}

func (r *userReader) AdminGetUser(ctx context.Context, in *cip.AdminGetUserInput, optFns ...func(*cip.Options)) (*cip.AdminGetUserOutput, error) {
	out, err := r.Cognito.AdminGetUser(ctx, in, optFns...)
	r.out = out
	return out, err
}

// grantedBy returns the assurance attributes (and the provider's raw
// claim) to delete when the user's assurance was granted by provider.
func grantedBy(out *cip.AdminGetUserOutput, provider string) []string {
	if out == nil {
		return nil
	}
	attrs := map[string]string{}
	for _, a := range out.UserAttributes {
		attrs[aws.ToString(a.Name)] = aws.ToString(a.Value)
	}
	if !equalFoldASCII(attrs[contract.AttrIALSource], provider) {
		return nil
	}
	var names []string
	for _, n := range append(slices.Clone(contract.AssuranceAttributes), contract.AttrIdPIALRaw) {
		if _, ok := attrs[n]; ok {
			names = append(names, n)
		}
	}
	return names
}

// Handle answers one request; it never returns an error.
func (h *DisconnectHandler) Handle(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return serve(ctx, h.Logger, "connect-disconnect", h.cfg, req, ReasonDisconnected, func(l *logLine) (Reason, any) {
		return h.disconnect(ctx, req, l), DisconnectResponse{Disconnected: true, Provider: h.cfg.ProviderName}
	})
}

func (h *DisconnectHandler) disconnect(ctx context.Context, req events.APIGatewayV2HTTPRequest, l *logLine) Reason {
	if m := req.RequestContext.HTTP.Method; m != "" && m != http.MethodPost {
		return ReasonMethodNotAllowed
	}
	caller, r := callerFrom(req, h.cfg, h.Now())
	if r != "" {
		return r
	}
	l.user = logref.Ref(h.cfg.PoolID, caller.Username)
	body, err := httpapi.Body(req, MaxBody)
	var empty struct{}
	if err != nil || !decodeStrict(body, &empty, true) {
		return ReasonBadRequest
	}
	ctx, cancel := deadline.Context(ctx, DeadlineMargin, Budget)
	defer cancel()
	reader := &userReader{Cognito: h.cognito}
	u, found, err := getUser(ctx, reader, h.cfg.PoolID, caller.Username)
	if err != nil {
		r, l.awsCode = classify(ctx, err, ReasonCognitoError)
		return r
	}
	switch {
	case !found:
		return ReasonUserNotFound
	case u.sub != caller.Sub:
		return ReasonUserMismatch
	case u.status == types.UserStatusTypeExternalProvider:
		return ReasonNotNativeUser
	}
	var subject string
	for _, id := range u.identities {
		if equalFoldASCII(id.ProviderName, h.cfg.ProviderName) && id.UserID != "" {
			subject = id.UserID
			break
		}
	}
	if subject == "" {
		return ReasonNotConnected
	}
	l.identity = logref.Ref(h.cfg.ProviderName, subject)
	if names := grantedBy(reader.out, h.cfg.ProviderName); len(names) > 0 {
		if _, err := h.deleter.AdminDeleteUserAttributes(ctx, &cip.AdminDeleteUserAttributesInput{
			UserPoolId: aws.String(h.cfg.PoolID), Username: aws.String(caller.Username), UserAttributeNames: names,
		}); err != nil {
			r, l.awsCode = classify(ctx, err, ReasonCognitoError)
			return r
		}
	}
	if _, err := h.cognito.AdminDisableProviderForUser(ctx, &cip.AdminDisableProviderForUserInput{
		UserPoolId: aws.String(h.cfg.PoolID),
		User: &types.ProviderUserIdentifierType{
			ProviderName:           aws.String(h.cfg.ProviderName),
			ProviderAttributeName:  aws.String(SubjectAttribute),
			ProviderAttributeValue: aws.String(subject),
		},
	}); err != nil {
		r, l.awsCode = classify(ctx, err, ReasonCognitoError)
		return r
	}
	// The owner record: a leftover would only be recognised as stale later.
	if err := h.store.ReleaseOwner(ctx, h.cfg.ProviderName, subject, Owner{Sub: caller.Sub}); err != nil {
		_, l.awsCode = classify(ctx, err, ReasonStoreError)
	}
	announce(ctx, h.events, contract.EventProviderDisconnected, h.cfg, caller.Username, l)
	return ReasonDisconnected
}

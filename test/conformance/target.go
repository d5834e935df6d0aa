package conformance

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Pool is one user pool of a target and its one app client.
type Pool struct {
	// Endpoint is the base URL of the user-pool API ("" = the region's).
	Endpoint string
	PoolID   string
	ClientID string
}

// name is the part of the pool id after "_", which SRP hashes.
func (p Pool) name() string { return p.PoolID[strings.Index(p.PoolID, "_")+1:] }

// Target is one implementation of the user-pool API with the two pools every
// probe needs (see Settings).
type Target struct {
	// Name is "local", "moto" or "aws".
	Name   string
	Region string
	// Credentials sign the administrative calls (set-up only).
	Credentials aws.CredentialsProvider
	// Main is the pool of the sign-in, token and account probes; MFA the
	// self-sign-up pool with TOTP MFA required.
	Main, MFA Pool
	// Users creates a confirmed user with a permanent password.
	Users UserMaker
	// Codes is where the probes read the codes the pool "sends"; nil when
	// the suite cannot read them (a real pool mails them).
	Codes CodeSource
	// Clock moves the target's time forward; nil when the suite cannot.
	Clock Clock
	// HTTPClient is used by the SDK (nil: the SDK's default).
	HTTPClient *http.Client
	// apiOptions are added to every SDK client (header capture).
	apiOptions []func(*middleware.Stack) error
}

// UserMaker creates users as AdminCreateUser followed by
// AdminSetUserPassword(Permanent) do.
type UserMaker interface {
	CreateUser(ctx context.Context, p Pool, username, password string, attrs map[string]string) error
}

// Code purposes.
const (
	CodeForgotPassword = "forgot-password"
	CodeVerifyEmail    = "verify-email"
)

// CodeSource returns the last code a pool sent to a user for a purpose.
type CodeSource interface {
	Code(p Pool, username, purpose string) (string, error)
}

// Clock moves a target's clock.
type Clock interface {
	Advance(d time.Duration)
}

// API is an SDK client for p.
func (t *Target) API(p Pool) *cip.Client {
	o := cip.Options{
		Region:           t.Region,
		Credentials:      t.Credentials,
		RetryMaxAttempts: 1,
		APIOptions:       t.apiOptions,
	}
	if t.HTTPClient != nil {
		o.HTTPClient = t.HTTPClient
	}
	if p.Endpoint != "" {
		o.BaseEndpoint = aws.String(p.Endpoint)
	}
	return cip.New(o)
}

// adminUsers is the UserMaker of moto and a real pool: the administrative
// API, as a user of a real pool would seed one.
type adminUsers struct{ t *Target }

func (a adminUsers) CreateUser(ctx context.Context, p Pool, username, password string, attrs map[string]string) error {
	api := a.t.API(p)
	var list []types.AttributeType
	for k, v := range attrs {
		list = append(list, types.AttributeType{Name: aws.String(k), Value: aws.String(v)})
	}
	if _, err := api.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
		UserPoolId:     aws.String(p.PoolID),
		Username:       aws.String(username),
		UserAttributes: list,
		MessageAction:  types.MessageActionTypeSuppress,
	}); err != nil {
		return fmt.Errorf("AdminCreateUser: %w", err)
	}
	if _, err := api.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{
		UserPoolId: aws.String(p.PoolID),
		Username:   aws.String(username),
		Password:   aws.String(password),
		Permanent:  true,
	}); err != nil {
		return fmt.Errorf("AdminSetUserPassword: %w", err)
	}
	return nil
}

// motoCodeHeader is the response header moto_server puts ForgotPassword's
// code in (moto/cognitoidp/responses.py, forgot_password): moto sends no
// mail. moto checks a ConfirmForgotPassword code only when it starts with
// its "moto-confirmation-code:" prefix, so the suite always sends the one
// it captured.
const motoCodeHeader = "x-moto-forgot-password-confirmation-code"

// headerCodes captures moto's code header from every response.
type headerCodes struct {
	mu   sync.Mutex
	last string
}

func (h *headerCodes) middleware(stack *middleware.Stack) error {
	return stack.Deserialize.Add(middleware.DeserializeMiddlewareFunc("conformanceCodes",
		func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleDeserialize(ctx, in)
			if r, ok := out.RawResponse.(*smithyhttp.Response); ok {
				if c := r.Header.Get(motoCodeHeader); c != "" {
					h.mu.Lock()
					h.last = c
					h.mu.Unlock()
				}
			}
			return out, md, err
		}), middleware.After)
}

// Code: moto's ForgotPassword code is the one of the last response; moto
// does not serve attribute verification (GetUserAttributeVerificationCode).
func (h *headerCodes) Code(_ Pool, _ string, purpose string) (string, error) {
	if purpose != CodeForgotPassword {
		return "", fmt.Errorf("moto sends no %s code", purpose)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.last == "" {
		return "", errors.New("no code header seen")
	}
	return h.last, nil
}

// errCode is what a probe observes of an error: the API error type, or
// "not served" when the implementation does not know the operation
// (UnknownOperationException, or moto's HTTP 500 NotImplementedError page).
func errCode(err error) string {
	if err == nil {
		return "ok"
	}
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() == http.StatusInternalServerError {
		if r := re.Response; r != nil && strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
			return NotServed
		}
	}
	var de *smithy.DeserializationError
	if errors.As(err, &de) {
		// The answer does not fit the API model (moto's MFAS_CAN_SETUP is a
		// JSON list where the model has a string).
		return "the SDK cannot parse the answer"
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		if ae.ErrorCode() == "UnknownOperationException" {
			return NotServed
		}
		return ae.ErrorCode()
	}
	return "client error"
}

// NotServed is the observation of an operation the target does not serve.
const NotServed = "not served"

// Package pooltriggers is the CloudFormation custom resource that attaches
// this library's trigger functions to a user pool the CDK app does not own
// (a pool created in the console, by another stack or another tool, which
// the app only has as UserPool.fromUserPoolId): CDK cannot add triggers to
// such a pool.
//
// Create and Update read the pool with DescribeUserPool and write its whole
// configuration back with UpdateUserPool, with only our triggers (and the
// pre token generation event version) changed (see WriteBack). A trigger
// held by a function this resource did not attach refuses the request.
// Delete empties the slots that still hold our functions and leaves the
// rest alone; a pool that no longer exists is a successful delete.
//
// Handle is a cfn.CustomResourceFunction: lambdas/cmd/pool-triggers wraps it
// with cfn.LambdaWrap, which answers CloudFormation's pre-signed
// ResponseURL. Every request logs one JSON line with a reason code, never
// the event (its ResponseURL is a credential).
package pooltriggers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"

	"github.com/cognitobridge/cognitobridge/lambdas/internal/deadline"
	rp "github.com/cognitobridge/cognitobridge/lambdas/pooltriggers/resourceprops"
)

// UserPoolDescriber reads a pool's configuration.
type UserPoolDescriber interface {
	DescribeUserPool(ctx context.Context, in *cip.DescribeUserPoolInput, optFns ...func(*cip.Options)) (*cip.DescribeUserPoolOutput, error)
}

// UserPoolUpdater writes a pool's configuration.
type UserPoolUpdater interface {
	UpdateUserPool(ctx context.Context, in *cip.UpdateUserPoolInput, optFns ...func(*cip.Options)) (*cip.UpdateUserPoolOutput, error)
}

// Cognito is the part of the Cognito client the handler uses.
type Cognito interface {
	UserPoolDescriber
	UserPoolUpdater
}

var _ Cognito = (*cip.Client)(nil)

// Reason codes of the log lines, one per request.
const (
	ReasonAttached          = "attached"             // UpdateUserPool wrote our triggers
	ReasonAlreadyAttached   = "already_attached"     // the pool already held them: no write
	ReasonTriggerTaken      = "trigger_taken"        // a wanted slot holds a function we did not attach: FAILED
	ReasonInvalidProperties = "invalid_properties"   // FAILED (on Delete: nothing was attached, SUCCESS)
	ReasonPoolNotFound      = "pool_not_found"       // Create/Update on a pool that does not exist: FAILED
	ReasonWrongRegion       = "pool_in_other_region" // FAILED
	ReasonDescribeFailed    = "describe_failed"      // FAILED
	ReasonUpdateFailed      = "update_failed"        // FAILED
	ReasonDetached          = "detached"             // UpdateUserPool emptied our slots
	ReasonNothingToDetach   = "nothing_to_detach"    // none of our slots still held our function: no write
	ReasonPoolGone          = "pool_gone"            // Delete on a pool that no longer exists: SUCCESS
	ReasonUnknownRequest    = "unknown_request"      // FAILED
)

// Budget of one request: the AWS calls stop Margin before the Lambda
// deadline, so that the answer to CloudFormation still goes out (a
// function that times out never answers, and CloudFormation waits for the
// resource's service timeout).
const (
	Margin = 5 * time.Second
	Limit  = 50 * time.Second
)

var (
	poolID    = regexp.MustCompile(`^[\w-]+_[0-9a-zA-Z]+$`)
	lambdaARN = regexp.MustCompile(`^arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function:[a-zA-Z0-9_-]+(:[a-zA-Z0-9_$-]+)?$`)
)

// Handler handles the custom resource's requests.
type Handler struct {
	Cognito Cognito
	// Logger receives one line per request.
	// Default: slog.Default().
	Logger *slog.Logger
	// Region is the function's region. A pool id of another region is
	// refused with a clear message (the client would only answer "not
	// found"), and Serve accepts only CloudFormation's ResponseURL of this
	// region. Empty: pool ids not checked, and Serve refuses every request.
	Region string
	// Origin binds every request to the function's own stack and its
	// triggers (see Origin). lambdas/cmd/pool-triggers requires it.
	// Default: nil, not checked (the decision tests of this package).
	Origin *Origin
}

// PhysicalID is the physical resource id for a pool: an Update that moves
// the triggers to another pool returns a new id, and CloudFormation then
// sends a Delete for the old one (with the old properties), which detaches
// them from the old pool.
func PhysicalID(userPoolID string) string { return "pooltriggers:" + userPoolID }

// Handle is the cfn.CustomResourceFunction. A returned error becomes a
// FAILED response whose reason is the error's text.
func (h *Handler) Handle(ctx context.Context, ev cfn.Event) (physicalID string, data map[string]interface{}, err error) {
	ctx, cancel := deadline.Context(ctx, Margin, Limit)
	defer cancel()
	log := h.logger().With("request", string(ev.RequestType), "resource", clip(ev.LogicalResourceID))

	o := h.Origin
	if o != nil {
		if err := o.checkStack(ev); err != nil {
			return ev.PhysicalResourceID, nil, refuse(log, ReasonForeignStack, err)
		}
	}
	props, perr := parse(ev.ResourceProperties)
	switch ev.RequestType {
	case cfn.RequestCreate, cfn.RequestUpdate:
		if perr != nil {
			log.Error("refused", "reason", ReasonInvalidProperties, "error", perr.Error())
			return "", nil, fmt.Errorf("pooltriggers: %w", perr)
		}
		if o != nil {
			if err := o.checkWanted(props.Triggers); err != nil {
				return ev.PhysicalResourceID, nil, refuse(log, ReasonTriggerNotAllowed, err)
			}
		}
		var previous []rp.Trigger
		if ev.RequestType == cfn.RequestUpdate {
			// Only our triggers on the same pool are ours to replace; when
			// the pool id changes, CloudFormation deletes the old resource.
			if old, err := parse(ev.OldResourceProperties); err == nil && old.UserPoolID == props.UserPoolID {
				previous = old.Triggers
			}
			if o != nil {
				var ignored []string
				if previous, ignored = o.previous(previous); len(ignored) > 0 {
					log = log.With("old_ignored", ignored)
				}
			}
		}
		return PhysicalID(props.UserPoolID), nil, h.attach(ctx, log, props, previous)
	case cfn.RequestDelete:
		if perr != nil {
			// A resource whose properties never parsed attached nothing.
			log.Info("nothing to detach", "reason", ReasonInvalidProperties, "error", perr.Error())
			return ev.PhysicalResourceID, nil, nil
		}
		if o != nil {
			var ignored []string
			if props.Triggers, ignored = o.detachable(props.Triggers); len(ignored) > 0 {
				log = log.With("not_ours", ignored)
			}
		}
		return ev.PhysicalResourceID, nil, h.detach(ctx, log, props)
	default:
		log.Error("refused", "reason", ReasonUnknownRequest)
		return ev.PhysicalResourceID, nil, fmt.Errorf("pooltriggers: expected a Create, Update or Delete request, received %q", clip(string(ev.RequestType)))
	}
}

func (h *Handler) attach(ctx context.Context, log *slog.Logger, props rp.Properties, previous []rp.Trigger) error {
	log = log.With("pool", props.UserPoolID, "operations", operations(props.Triggers))
	if err := h.checkRegion(props.UserPoolID); err != nil {
		log.Error("refused", "reason", ReasonWrongRegion, "error", err.Error())
		return err
	}
	pool, err := h.describe(ctx, props.UserPoolID)
	if err != nil {
		if isNotFound(err) {
			log.Error("refused", "reason", ReasonPoolNotFound)
			return fmt.Errorf("pooltriggers: user pool %s not found in this account and region", props.UserPoolID)
		}
		log.Error("refused", "reason", ReasonDescribeFailed, "error", awsError(err))
		return fmt.Errorf("pooltriggers: DescribeUserPool %s failed: %s", props.UserPoolID, awsError(err))
	}
	plan := PlanAttach(pool.LambdaConfig, props.Triggers, previous)
	if r := plan.Refused; r != nil {
		log.Error("refused", "reason", ReasonTriggerTaken, "operation", r.Operation, "holder", r.Holder)
		return fmt.Errorf("pooltriggers: trigger %s of user pool %s is taken by %s, a function this resource did not attach; "+
			"Cognito allows one function per trigger: remove it from the pool, or compose both behaviours into one function",
			r.Operation, props.UserPoolID, r.Holder)
	}
	if !plan.Changed {
		log.Info("attached", "reason", ReasonAlreadyAttached)
		return nil
	}
	if err := h.update(ctx, pool, plan); err != nil {
		log.Error("refused", "reason", ReasonUpdateFailed, "set", plan.Set, "released", plan.Released, "error", awsError(err))
		return updateError(props.UserPoolID, pool, err)
	}
	log.Info("attached", "reason", ReasonAttached, "set", plan.Set, "released", plan.Released, "left", plan.Left)
	return nil
}

func (h *Handler) detach(ctx context.Context, log *slog.Logger, props rp.Properties) error {
	log = log.With("pool", props.UserPoolID, "operations", operations(props.Triggers))
	if err := h.checkRegion(props.UserPoolID); err != nil {
		// We cannot have attached anything there (Create refuses it).
		log.Info("nothing to detach", "reason", ReasonWrongRegion)
		return nil
	}
	pool, err := h.describe(ctx, props.UserPoolID)
	if err != nil {
		if isNotFound(err) {
			log.Info("detached", "reason", ReasonPoolGone)
			return nil
		}
		log.Error("refused", "reason", ReasonDescribeFailed, "error", awsError(err))
		return fmt.Errorf("pooltriggers: DescribeUserPool %s failed: %s", props.UserPoolID, awsError(err))
	}
	plan := PlanDetach(pool.LambdaConfig, props.Triggers)
	if !plan.Changed {
		log.Info("detached", "reason", ReasonNothingToDetach, "left", plan.Left)
		return nil
	}
	if err := h.update(ctx, pool, plan); err != nil {
		if isNotFound(err) {
			log.Info("detached", "reason", ReasonPoolGone)
			return nil
		}
		log.Error("refused", "reason", ReasonUpdateFailed, "released", plan.Released, "error", awsError(err))
		return updateError(props.UserPoolID, pool, err)
	}
	log.Info("detached", "reason", ReasonDetached, "released", plan.Released, "left", plan.Left)
	return nil
}

func (h *Handler) describe(ctx context.Context, id string) (*types.UserPoolType, error) {
	out, err := h.Cognito.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(id)})
	if err != nil {
		return nil, err
	}
	if out == nil || out.UserPool == nil {
		return nil, errors.New("DescribeUserPool returned no user pool")
	}
	return out.UserPool, nil
}

func (h *Handler) update(ctx context.Context, pool *types.UserPoolType, plan Plan) error {
	in := WriteBack(pool)
	next := plan.Next
	in.LambdaConfig = &next
	_, err := h.Cognito.UpdateUserPool(ctx, in)
	return err
}

func (h *Handler) checkRegion(id string) error {
	if h.Region == "" {
		return nil
	}
	if region, _, _ := strings.Cut(id, "_"); region != h.Region {
		return fmt.Errorf("pooltriggers: expected a user pool of region %s (the function's), received %s", h.Region, id)
	}
	return nil
}

func (h *Handler) logger() *slog.Logger {
	if h.Logger != nil {
		return h.Logger
	}
	return slog.Default()
}

// updateError explains a failed UpdateUserPool. Access denied on a pool
// with an SMS configuration most likely lacks iam:PassRole on its role: the
// AWS Service Authorization Reference lists iam:PassRole among the actions
// UpdateUserPool authorizes.
func updateError(id string, pool *types.UserPoolType, err error) error {
	msg := fmt.Sprintf("pooltriggers: UpdateUserPool %s failed: %s", id, awsError(err))
	var api smithy.APIError
	if errors.As(err, &api) && strings.Contains(api.ErrorCode(), "AccessDenied") &&
		pool.SmsConfiguration != nil && aws.ToString(pool.SmsConfiguration.SnsCallerArn) != "" {
		msg += fmt.Sprintf(" (the pool sends SMS with role %s: the function's role may need iam:PassRole on it, see PoolTriggersProps.SmsRole)",
			aws.ToString(pool.SmsConfiguration.SnsCallerArn))
	}
	return errors.New(msg)
}

func parse(raw map[string]interface{}) (rp.Properties, error) {
	var p rp.Properties
	b, err := json.Marshal(raw)
	if err != nil {
		return p, err
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return p, fmt.Errorf("expected properties %s (string) and %s (list of {%s, %s, %s}): %v",
			rp.UserPoolID, rp.Triggers, rp.Operation, rp.LambdaArn, rp.LambdaVersion, err)
	}
	return p, Validate(p)
}

func isNotFound(err error) bool {
	var api smithy.APIError
	return errors.As(err, &api) && api.ErrorCode() == "ResourceNotFoundException"
}

// awsError renders an AWS error as "code: message" (no request details).
func awsError(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode() + ": " + api.ErrorMessage()
	}
	return err.Error()
}

func operations(ts []rp.Trigger) []string {
	out := make([]string, 0, len(ts))
	for _, t := range ts {
		out = append(out, t.Operation)
	}
	return out
}

// clip bounds a value from the request echoed in an error or a log line.
func clip(s string) string {
	const max = 128
	if len(s) > max {
		return s[:max] + "..."
	}
	return s
}

package pooltriggers

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"

	"github.com/aws/aws-lambda-go/cfn"

	rp "github.com/cognitobridge/cognitobridge/lambdas/pooltriggers/resourceprops"
)

// Origin is what the function checks every request against, so that it
// serves CloudFormation, for its own stack, only. Without these checks any
// principal allowed to invoke the function (or any stack whose custom
// resource names it as ServiceToken: CloudFormation invokes with the
// deployer's credentials, so a Lambda resource policy cannot tell stacks
// apart) could send a Delete naming the guard's ARN, detaching it, or an
// Update whose forged old properties let another function take a slot.
//
//   - StackID: the request's StackId must be the stack that created the
//     function (AWS::StackId in its environment: a pseudo parameter, so no
//     dependency cycle). Stops another stack's custom resource pointed at
//     this function.
//   - The ResponseURL must be CloudFormation's pre-signed URL of the
//     function's region (see ResponseURLError); otherwise the function
//     answers nobody (no PUT) and fails the invocation.
//   - Allowed: every trigger a Create or Update asks for must be one of the
//     stack's Operation=LambdaArn pairs, bound to its operation (no swap
//     of our own functions between slots). An Update never releases a
//     pair the list holds (forged old properties cannot detach the guard),
//     and honours an old trigger as ours only when the list names its
//     function or its name is one CloudFormation generates for this stack
//     (<stack name>-...). A Delete likewise detaches only such triggers.
//
// What stays: a principal allowed to invoke the function directly, who
// copies this stack's id and a CloudFormation-looking ResponseURL, can
// still send a Delete with the stack's own properties. Only IAM stops
// that: the construct grants nobody lambda:InvokeFunction on the function;
// keep it so (CloudFormation invokes it with the deployer's credentials).
type Origin struct {
	// StackID is the ARN of the function's own stack.
	StackID string
	// Allowed maps each operation to the one function the stack attaches
	// to it.
	Allowed map[string]string
}

// Reason codes of the origin checks (FAILED, nothing written).
const (
	ReasonForeignStack       = "foreign_stack"        // StackId is not the function's stack
	ReasonForeignResponseURL = "foreign_response_url" // not CloudFormation's response bucket of this region: no answer sent
	ReasonTriggerNotAllowed  = "trigger_not_allowed"  // a trigger that is not one of the stack's pairs
)

// OriginFromEnv reads the Origin from the function's environment
// (rp.EnvStackID, rp.EnvAllowedTriggers).
func OriginFromEnv(getenv func(string) string) (*Origin, error) {
	stack := strings.TrimSpace(getenv(rp.EnvStackID))
	if !strings.HasPrefix(stack, "arn:") || !strings.Contains(stack, ":cloudformation:") || !strings.Contains(stack, ":stack/") {
		return nil, fmt.Errorf("%s: expected the stack's id (arn:aws:cloudformation:<region>:<account>:stack/<name>/<uuid>), received %q", rp.EnvStackID, clip(stack))
	}
	allowed, err := ParseAllowed(getenv(rp.EnvAllowedTriggers))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", rp.EnvAllowedTriggers, err)
	}
	return &Origin{StackID: stack, Allowed: allowed}, nil
}

// ParseAllowed parses Operation=LambdaArn entries separated by commas.
// An empty list is valid (a resource with no trigger yet).
func ParseAllowed(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, entry := range strings.Split(s, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		op, arn, ok := strings.Cut(entry, "=")
		if _, known := slots[op]; !ok || !known || !lambdaARN.MatchString(arn) {
			return nil, fmt.Errorf("expected Operation=LambdaArn entries with an operation of %q, received %q", rp.Operations, clip(entry))
		}
		if _, dup := out[op]; dup {
			return nil, fmt.Errorf("expected each operation once, received %s twice", op)
		}
		out[op] = arn
	}
	return out, nil
}

// stackName is the name part of a stack id
// (arn:...:stack/<name>/<uuid>).
func stackName(id string) string {
	_, rest, _ := strings.Cut(id, ":stack/")
	name, _, _ := strings.Cut(rest, "/")
	return name
}

// allows reports whether t is one of the stack's pairs.
func (o *Origin) allows(t rp.Trigger) bool {
	return t.LambdaArn != "" && o.Allowed[t.Operation] == t.LambdaArn
}

// ours reports whether t names a function of this stack: one of the
// allowed functions (whatever the operation), or a function whose name
// CloudFormation generated for this stack (<stack name>-<logical id>-<suffix>,
// the name a function gets when the template names none: an old
// function that an update replaced).
func (o *Origin) ours(t rp.Trigger) bool {
	for _, arn := range o.Allowed {
		if arn == t.LambdaArn {
			return true
		}
	}
	_, fn, ok := strings.Cut(t.LambdaArn, ":function:")
	name := stackName(o.StackID)
	return ok && name != "" && strings.HasPrefix(fn, name+"-")
}

// checkStack refuses a request of another stack.
func (o *Origin) checkStack(ev cfn.Event) error {
	if ev.StackID != o.StackID {
		return fmt.Errorf("pooltriggers: expected a request of stack %s (the function's own), received one of %q: "+
			"this function serves only the custom resource of the stack that created it", o.StackID, clip(ev.StackID))
	}
	return nil
}

// checkWanted refuses a Create or Update naming a pair the stack does not
// attach.
func (o *Origin) checkWanted(ts []rp.Trigger) error {
	for _, t := range ts {
		if !o.allows(t) {
			return fmt.Errorf("pooltriggers: expected only this stack's triggers (%s), received %s=%s",
				strings.Join(o.list(), ", "), t.Operation, clip(t.LambdaArn))
		}
	}
	return nil
}

// previous filters an Update's old triggers: a pair the stack attaches
// now is never released or replaced through old properties, and an old
// trigger counts as ours only when it names a function of this stack.
func (o *Origin) previous(old []rp.Trigger) (kept []rp.Trigger, ignored []string) {
	for _, t := range old {
		switch {
		case o.allows(t):
			// Wanted by the template now: the new properties must name it
			// to keep it, and nothing may release it.
			ignored = append(ignored, t.Operation)
		case o.ours(t):
			kept = append(kept, t)
		default:
			ignored = append(ignored, t.Operation)
		}
	}
	return kept, ignored
}

// detachable filters a Delete's triggers to this stack's functions.
func (o *Origin) detachable(ts []rp.Trigger) (kept []rp.Trigger, ignored []string) {
	for _, t := range ts {
		if o.ours(t) {
			kept = append(kept, t)
		} else {
			ignored = append(ignored, t.Operation)
		}
	}
	return kept, ignored
}

func (o *Origin) list() []string {
	out := make([]string, 0, len(o.Allowed))
	for _, op := range rp.Operations {
		if arn, ok := o.Allowed[op]; ok {
			out = append(out, op+"="+arn)
		}
	}
	if len(out) == 0 {
		out = append(out, "none")
	}
	return out
}

// ResponseURLError says why raw is not CloudFormation's pre-signed response
// URL of region, or returns nil. CloudFormation answers custom resources
// through an AWS-owned bucket per region named
// cloudformation-custom-resource-response-<region without dashes> (AWS
// CloudFormation User Guide, "Setting up VPC endpoints for
// CloudFormation": "cloudformation-custom-resource-response-region ...
// Region names don't contain dashes. For example, uswest2"), addressed
// virtual-hosted style. Accepted hosts, each the bucket of region:
//
//	<bucket>.s3.amazonaws.com            (global endpoint; seen in us-east-1 events)
//	<bucket>.s3-<region>.amazonaws.com   (dash-region endpoint; seen in eu-west-1, us-west-2 events)
//	<bucket>.s3.<region>.amazonaws.com   (dot-region endpoint)
//
// with amazonaws.com.cn for the China regions (no global endpoint
// there). The URL must be https on the default port with no user info.
// The bucket name is documented; the three host forms are not listed on
// any AWS page: they are the forms seen in real CloudFormation events that
// public repositories quote in their tests and logs (see
// docs/security.md). A form AWS introduces later is refused (no answer,
// the stack times out on the resource and rolls back), never accepted.
func ResponseURLError(raw, region string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.User != nil || (u.Port() != "" && u.Port() != "443") {
		return fmt.Errorf("pooltriggers: expected CloudFormation's pre-signed https ResponseURL, received another URL")
	}
	for _, h := range ResponseHosts(region) {
		if strings.EqualFold(u.Hostname(), h) {
			return nil
		}
	}
	return fmt.Errorf("pooltriggers: expected CloudFormation's response bucket of region %s (%s), received host %q",
		region, strings.Join(ResponseHosts(region), ", "), clip(u.Hostname()))
}

// ResponseHosts are the accepted ResponseURL hosts of region (see
// ResponseURLError).
func ResponseHosts(region string) []string {
	if region == "" {
		return nil
	}
	bucket := "cloudformation-custom-resource-response-" + strings.ReplaceAll(region, "-", "")
	if strings.HasPrefix(region, "cn-") {
		return []string{bucket + ".s3." + region + ".amazonaws.com.cn", bucket + ".s3-" + region + ".amazonaws.com.cn"}
	}
	return []string{bucket + ".s3.amazonaws.com", bucket + ".s3-" + region + ".amazonaws.com", bucket + ".s3." + region + ".amazonaws.com"}
}

// Serve is the function's entry point: a request whose ResponseURL is not
// CloudFormation's of the function's region gets no answer at all (no PUT
// to a URL of the sender's choosing) and a failed invocation; any other
// goes through cfn.LambdaWrap(h.Handle), which answers at the ResponseURL.
func (h *Handler) Serve(ctx context.Context, ev cfn.Event) (string, error) {
	if err := ResponseURLError(ev.ResponseURL, h.Region); err != nil {
		h.logger().Error("refused", "request", clip(string(ev.RequestType)), "resource", clip(ev.LogicalResourceID),
			"reason", ReasonForeignResponseURL, "error", err.Error())
		return "", err
	}
	return cfn.LambdaWrap(h.Handle)(ctx, ev)
}

// refuse logs a refusal of the origin checks and returns err.
func refuse(log *slog.Logger, reason string, err error) error {
	log.Error("refused", "reason", reason, "error", err.Error())
	return err
}

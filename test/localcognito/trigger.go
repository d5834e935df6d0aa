package localcognito

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Trigger sources, as documented per trigger.
const (
	srcPreSignUp        = "PreSignUp_SignUp"
	srcPostConfirmation = "PostConfirmation_ConfirmSignUp"
	srcPreAuth          = "PreAuthentication_Authentication"
	srcPostAuth         = "PostAuthentication_Authentication"
	srcTokenAuth        = "TokenGeneration_Authentication"
	srcTokenRefresh     = "TokenGeneration_RefreshTokens"
)

// triggerBudget is how long a trigger may run.
// DOCUMENTED: "Using Lambda triggers": Amazon Cognito waits 5 seconds for a
// function's response and then gives up (it retries some throttling errors;
// this endpoint does not).
const triggerBudget = 5 * time.Second

func (s *Server) header(source, userName, clientID string) EventHeader {
	return EventHeader{
		Version:       "1",
		TriggerSource: source,
		Region:        s.cfg.Region,
		UserPoolID:    s.cfg.PoolID,
		UserName:      userName,
		CallerContext: CallerContext{AWSSDKVersion: "aws-sdk-unknown-unknown", ClientID: clientID},
	}
}

func (s *Server) has(slot Slot) bool {
	return s.cfg.Triggers != nil && s.cfg.Triggers.Has(slot)
}

// invoke runs slot with ev and decodes the function's response document
// into ev (the response fills the event's "response" member). Errors are
// the API errors Cognito reports for trigger failures (messages as
// observed by users of Cognito: "<Trigger> failed with error <message>.").
func (s *Server) invoke(ctx context.Context, slot Slot, ev any) *apiError {
	in, err := json.Marshal(ev)
	if err != nil {
		return errf(eInternal, "Internal error")
	}
	ctx, cancel := context.WithTimeout(ctx, triggerBudget)
	defer cancel()
	out, err := s.cfg.Triggers.Invoke(ctx, slot, in)
	name := string(slot)
	switch {
	case err == nil:
	case errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil:
		return &apiError{Type: eUnexpectedLambda, Message: fmt.Sprintf("%s failed due to error Socket timeout while invoking Lambda function.", name), reason: name + " timed out"}
	case errors.Is(err, ErrTriggerFailed):
		msg := strings.TrimPrefix(err.Error(), ErrTriggerFailed.Error())
		msg = strings.TrimLeft(msg, ": ")
		return &apiError{Type: eLambdaValidation, Message: fmt.Sprintf("%s failed with error %s.", name, msg), reason: name + " failed"}
	default:
		return &apiError{Type: eUnexpectedLambda, Message: fmt.Sprintf("%s invocation failed.", name), reason: name + " runner: " + err.Error()}
	}
	if err := json.Unmarshal(out, ev); err != nil {
		return &apiError{Type: eInvalidLambdaResp, Message: "Invalid lambda response", reason: name + " returned an unreadable response"}
	}
	return nil
}

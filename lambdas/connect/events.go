package connect

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/logref"
)

// Events is the part of the EventBridge API the handlers use;
// *eventbridge.Client satisfies it.
type Events interface {
	PutEvents(ctx context.Context, in *eventbridge.PutEventsInput, optFns ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error)
}

var _ Events = (*eventbridge.Client)(nil)

// Event outcomes in the log line (field "event").
const (
	eventSent   = "sent"
	eventFailed = "failed"
)

// errEventRejected is an entry EventBridge did not accept.
var errEventRejected = errors.New("connect: event not accepted")

// announce sends the account event of a connect or disconnect that
// happened: source contract.EventSource on the default bus, detail the
// pool, the user's keyed reference (the log line's "user"), the provider;
// never an email, a token, a user name or a provider subject. The change is
// already made, so a failure does not undo it: it is logged (event
// "failed", the AWS error code) and the answer stays a success.
func announce(ctx context.Context, ev Events, detailType string, cfg Config, username string, l *logLine) {
	action := "connected"
	if detailType == contract.EventProviderDisconnected {
		action = "disconnected"
	}
	detail, _ := json.Marshal(contract.AccountEvent{
		Action:     action,
		UserPoolID: cfg.PoolID,
		User:       logref.Ref(cfg.PoolID, username),
		Provider:   cfg.ProviderName,
	})
	out, err := ev.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{{
		EventBusName: aws.String(contract.EventBusDefault),
		Source:       aws.String(contract.EventSource),
		DetailType:   aws.String(detailType),
		Detail:       aws.String(string(detail)),
	}}})
	if err == nil && out != nil && out.FailedEntryCount > 0 {
		err = errEventRejected
	}
	if err != nil {
		l.event = eventFailed
		if l.awsCode == "" {
			l.awsCode = awsCodeOf(ctx, err)
		}
		return
	}
	l.event = eventSent
}

func awsCodeOf(ctx context.Context, err error) string {
	_, code := classify(ctx, err, ReasonInternalError)
	if code == "" && errors.Is(err, errEventRejected) {
		return "FailedEntry"
	}
	return code
}

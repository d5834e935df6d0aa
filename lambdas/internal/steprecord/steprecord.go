// Package steprecord keeps the server-side proof that a user passed the
// OIDC step-up: Verify writes a short-lived record when every check passed,
// and the pre token generation guard consumes it, at most once, before
// Cognito may issue tokens.
//
// The table layout is contract.RecordPartitionKey (string,
// "<userPoolId>#<sub>"), contract.RecordPassedAt (number, epoch ms),
// contract.RecordClientID (string, the app client the step-up passed on) and
// contract.RecordExpiresAt (number, epoch seconds, the DynamoDB TTL).
package steprecord

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// API is the part of the DynamoDB client the store uses; *dynamodb.Client
// satisfies it.
type API interface {
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
}

var _ API = (*dynamodb.Client)(nil)

// Reason codes returned by Consume (and logged by the guard).
const (
	ReasonOK          = "ok"
	ReasonMissing     = "record_missing"
	ReasonStale       = "record_stale"
	ReasonMalformed   = "record_malformed"
	ReasonOtherClient = "record_other_client"
	ReasonUnavailable = "store_unavailable"
	ReasonInvalidKey  = "event_malformed"
)

const (
	// DefaultWindow is how old a record may be when consumed, unless
	// contract.EnvStepUpWindowSeconds says otherwise.
	DefaultWindow = 60 * time.Second
	// MaxWindow caps contract.EnvStepUpWindowSeconds.
	MaxWindow = time.Hour
	// ExpirySlack is added to the window for the TTL attribute; TTL only
	// tidies the table, Consume checks passedAt itself.
	ExpirySlack = 5 * time.Minute
	// FutureSkew is how far in the future passedAt may be (clock skew
	// between the Verify and the guard functions).
	FutureSkew = 5 * time.Second
	// maxKeyPart bounds pool id and sub (DynamoDB keys are at most 2048 bytes).
	maxKeyPart = 512
)

// ErrInvalidKey is returned for an empty or unusable pool id or sub.
var ErrInvalidKey = errors.New("steprecord: invalid user pool id or sub")

// ErrInvalidClientID is returned by Record for an empty or oversized app
// client id.
var ErrInvalidClientID = errors.New("steprecord: invalid app client id")

// Key returns the partition key "<userPoolId>#<sub>". Both parts must be
// non-empty and the pool id may not contain '#', so the key is unambiguous.
func Key(poolID, sub string) (string, error) {
	if poolID == "" || sub == "" || strings.ContainsRune(poolID, '#') || len(poolID) > maxKeyPart || len(sub) > maxKeyPart {
		return "", ErrInvalidKey
	}
	return poolID + "#" + sub, nil
}

// WindowFromEnv reads contract.EnvStepUpWindowSeconds: a whole number of
// seconds in [1, 3600]. Default: 60.
func WindowFromEnv(getenv func(string) string) (time.Duration, error) {
	v := strings.TrimSpace(getenv(contract.EnvStepUpWindowSeconds))
	if v == "" {
		return DefaultWindow, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || time.Duration(n)*time.Second > MaxWindow {
		return 0, fmt.Errorf("%s: expected whole seconds in [1, %d], received %q", contract.EnvStepUpWindowSeconds, int(MaxWindow/time.Second), v)
	}
	return time.Duration(n) * time.Second, nil
}

// Store reads and writes step-up records in one DynamoDB table.
type Store struct {
	api    API
	table  string
	window time.Duration
}

// New returns a store over table. window sets the TTL of written records
// (window + ExpirySlack); a non-positive window means DefaultWindow.
func New(api API, table string, window time.Duration) *Store {
	if window <= 0 {
		window = DefaultWindow
	}
	return &Store{api: api, table: table, window: window}
}

// Record writes (or refreshes) the record of a step-up passed at at on the
// app client clientID (the event's callerContext.clientId).
func (s *Store) Record(ctx context.Context, poolID, sub, clientID string, at time.Time) error {
	key, err := Key(poolID, sub)
	if err != nil {
		return err
	}
	if clientID == "" || len(clientID) > maxKeyPart {
		return ErrInvalidClientID
	}
	if s == nil || s.api == nil || s.table == "" {
		return errors.New("steprecord: store not configured")
	}
	expires := at.Add(s.window + ExpirySlack).Unix()
	_, err = s.api.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table),
		Item: map[string]types.AttributeValue{
			contract.RecordPartitionKey: &types.AttributeValueMemberS{Value: key},
			contract.RecordPassedAt:     &types.AttributeValueMemberN{Value: strconv.FormatInt(at.UnixMilli(), 10)},
			contract.RecordClientID:     &types.AttributeValueMemberS{Value: clientID},
			contract.RecordExpiresAt:    &types.AttributeValueMemberN{Value: strconv.FormatInt(expires, 10)},
		},
	})
	if err != nil {
		return fmt.Errorf("steprecord: put: %w", err)
	}
	return nil
}

// Consume deletes the user's record and reports whether it existed with a
// passedAt in [now-window, now+FutureSkew] and was recorded for the app
// client clientID. The delete returns the old item (ReturnValues ALL_OLD), so
// of concurrent callers at most one sees it: a record is consumed once,
// stale, malformed or of another client alike. reason is one of the Reason
// codes; err is non-nil only for an invalid key or a store failure.
func (s *Store) Consume(ctx context.Context, poolID, sub, clientID string, now time.Time, window time.Duration) (ok bool, reason string, err error) {
	_, ok, reason, err = s.ConsumeAt(ctx, poolID, sub, clientID, now, window)
	return ok, reason, err
}

// ConsumeAt is Consume that also returns, when ok, the time the step-up
// passed (the record's passedAt, millisecond precision). The guard stamps
// it into the issued tokens.
func (s *Store) ConsumeAt(ctx context.Context, poolID, sub, clientID string, now time.Time, window time.Duration) (passedAt time.Time, ok bool, reason string, err error) {
	key, err := Key(poolID, sub)
	if err != nil {
		return time.Time{}, false, ReasonInvalidKey, err
	}
	if s == nil || s.api == nil || s.table == "" {
		return time.Time{}, false, ReasonUnavailable, errors.New("steprecord: store not configured")
	}
	out, err := s.api.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: aws.String(s.table),
		Key: map[string]types.AttributeValue{
			contract.RecordPartitionKey: &types.AttributeValueMemberS{Value: key},
		},
		ReturnValues: types.ReturnValueAllOld,
	})
	if err != nil {
		return time.Time{}, false, ReasonUnavailable, fmt.Errorf("steprecord: delete: %w", err)
	}
	if out == nil || len(out.Attributes) == 0 {
		return time.Time{}, false, ReasonMissing, nil
	}
	n, isN := out.Attributes[contract.RecordPassedAt].(*types.AttributeValueMemberN)
	if !isN {
		return time.Time{}, false, ReasonMalformed, nil
	}
	ms, perr := strconv.ParseInt(n.Value, 10, 64)
	if perr != nil {
		return time.Time{}, false, ReasonMalformed, nil
	}
	c, isS := out.Attributes[contract.RecordClientID].(*types.AttributeValueMemberS)
	if !isS || c.Value == "" {
		return time.Time{}, false, ReasonMalformed, nil
	}
	passed := time.UnixMilli(ms)
	if window <= 0 || passed.Before(now.Add(-window)) || passed.After(now.Add(FutureSkew)) {
		return time.Time{}, false, ReasonStale, nil
	}
	if c.Value != clientID {
		return time.Time{}, false, ReasonOtherClient, nil
	}
	return passed, true, ReasonOK, nil
}

// Package usercap counts the starts one user makes in a fixed window and
// refuses those beyond a cap, with one conditional DynamoDB UpdateItem per
// start (layout: contract.UserCapKeyPrefix):
//
//	ADD n :one SET expiresAt = :exp
//	IF attribute_not_exists(n) OR n < :cap
//
// Under the cap the update is the only call; at the cap the condition
// fails and nothing is written. DynamoDB documents a conditional update as
// atomic, so concurrent starts of one user never pass the cap together.
// The counter's key carries the window's start, so an old window's item is
// never read again; the TTL only tidies the table.
package usercap

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

// API is the one DynamoDB call the cap makes; *dynamodb.Client satisfies it.
type API interface {
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
}

var _ API = (*dynamodb.Client)(nil)

// ExpirySlack is added to the window's end for the TTL attribute.
const ExpirySlack = time.Minute

// maxKeyPart bounds the pool id and the user (DynamoDB keys are at most
// 2048 bytes).
const maxKeyPart = 512

// ErrInvalidKey is returned for an empty or unusable pool id or user.
var ErrInvalidKey = errors.New("usercap: invalid user pool id or user")

// Cap counts one kind of start per user.
type Cap struct {
	api    API
	table  string
	kind   string
	max    int
	window time.Duration
	// Now is the clock. Default: time.Now.
	Now func() time.Time
}

// New returns the cap of kind (a contract.UserCapKind* value) on table:
// at most max starts per user per window (a whole number of seconds, at
// least one).
func New(api API, table, kind string, max int, window time.Duration) (*Cap, error) {
	var errs []error
	if api == nil || table == "" {
		errs = append(errs, errors.New("usercap: expected a DynamoDB client and a table name"))
	}
	switch kind {
	case contract.UserCapKindChallenge, contract.UserCapKindSession, contract.UserCapKindProofing:
	default:
		errs = append(errs, fmt.Errorf("usercap: expected kind %q, %q or %q, received %q", contract.UserCapKindChallenge, contract.UserCapKindSession, contract.UserCapKindProofing, kind))
	}
	if err := contract.CheckUserCapStarts(float64(max)); err != nil {
		errs = append(errs, fmt.Errorf("usercap: cap: %w", err))
	}
	if window < time.Second || window%time.Second != 0 {
		errs = append(errs, fmt.Errorf("usercap: expected a window of whole seconds, received %s", window))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &Cap{api: api, table: table, kind: kind, max: max, window: window, Now: time.Now}, nil
}

// Max is the number of starts allowed per window.
func (c *Cap) Max() int { return c.max }

// Window is the window's length.
func (c *Cap) Window() time.Duration { return c.window }

// Key is the counter's partition key for user at now.
func (c *Cap) Key(poolID, user string, now time.Time) (string, error) {
	if poolID == "" || user == "" || len(poolID) > maxKeyPart || len(user) > maxKeyPart || strings.ContainsRune(poolID, '#') {
		return "", ErrInvalidKey
	}
	return contract.UserCapKeyPrefix + poolID + "#" + user + "#" + c.kind + "#" + strconv.FormatInt(c.windowStart(now).Unix(), 10), nil
}

func (c *Cap) windowStart(now time.Time) time.Time {
	w := int64(c.window / time.Second)
	s := now.Unix()
	return time.Unix(s-s%w, 0)
}

// Take counts one start of user (in pool poolID). ok is false when the
// user reached the cap in this window: then nothing was written. An error
// (the table unavailable, the budget spent, an invalid key) means the
// start was not counted: callers refuse it.
func (c *Cap) Take(ctx context.Context, poolID, user string) (ok bool, err error) {
	now := time.Now()
	if c.Now != nil {
		now = c.Now()
	}
	key, err := c.Key(poolID, user, now)
	if err != nil {
		return false, err
	}
	expires := c.windowStart(now).Add(c.window + ExpirySlack)
	_, err = c.api.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           aws.String(c.table),
		Key:                 map[string]types.AttributeValue{contract.RecordPartitionKey: &types.AttributeValueMemberS{Value: key}},
		UpdateExpression:    aws.String("ADD #n :one SET #exp = :exp"),
		ConditionExpression: aws.String("attribute_not_exists(#n) OR #n < :max"),
		ExpressionAttributeNames: map[string]string{
			"#n": contract.UserCapCount, "#exp": contract.RecordExpiresAt,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":one": &types.AttributeValueMemberN{Value: "1"},
			":max": &types.AttributeValueMemberN{Value: strconv.Itoa(c.max)},
			":exp": &types.AttributeValueMemberN{Value: strconv.FormatInt(expires.Unix(), 10)},
		},
	})
	var cf *types.ConditionalCheckFailedException
	switch {
	case errors.As(err, &cf):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("usercap: update counter: %w", err)
	}
	return true, nil
}

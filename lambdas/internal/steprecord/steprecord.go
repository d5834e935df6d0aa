// Package steprecord keeps the server-side proof that a user passed the
// OIDC step-up, and the user's enrollment, in one DynamoDB table.
//
//   - A step-up record belongs to one sign-in: Verify writes it under
//     "<userPoolId>#<sub>#<bindingHash>", where bindingHash is the hash of the
//     per-challenge value Create handed to the client
//     (contract.PublicStepUpBinding), and the pre token generation guard
//     consumes it, at most once, only when the client echoes that value in
//     the ClientMetadata of the RespondToAuthChallenge that answered the
//     challenge. Attributes: contract.RecordPassedAt (number, epoch ms),
//     contract.RecordClientID (string) and contract.RecordExpiresAt (number,
//     epoch seconds, the DynamoDB TTL).
//   - An enrollment (package enrollment) binds the Cognito user to the
//     provider identity (issuer + sub) the step-up must present. It has no
//     TTL. Verify writes the record only together with a condition on the
//     enrollment, in one transaction, so a warm Verify costs one call.
package steprecord

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/enrollment"
)

// API is the part of the DynamoDB client the store uses; *dynamodb.Client
// satisfies it.
type API interface {
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, optFns ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
}

var _ API = (*dynamodb.Client)(nil)

const (
	// DefaultWindow is how old a record may be when consumed, unless
	// contract.EnvStepUpWindowSeconds says otherwise.
	DefaultWindow = contract.DefaultStepUpWindowSeconds * time.Second
	// MaxWindow caps contract.EnvStepUpWindowSeconds.
	MaxWindow = contract.MaxStepUpWindowSeconds * time.Second
	// ExpirySlack is added to the window for the TTL attribute; TTL only
	// tidies the table, Consume checks passedAt itself.
	ExpirySlack = 5 * time.Minute
	// FutureSkew is how far in the future passedAt may be (clock skew
	// between the Verify and the guard functions).
	FutureSkew = 5 * time.Second
	// maxKeyPart bounds pool id and sub (DynamoDB keys are at most 2048 bytes).
	maxKeyPart = 512
)

// The outcomes of ConsumeAt that refuse an issuance, one error each for
// errors.Is; the guard names each with its reason code.
var (
	// ErrInvalidKey: an empty or unusable pool id, sub or binding hash (also
	// returned by the writes).
	ErrInvalidKey = errors.New("steprecord: invalid user pool id, sub or binding")
	// ErrUnavailable: the store is not configured or failed; the store's
	// error is wrapped beside it.
	ErrUnavailable = errors.New("steprecord: store unavailable")
	// ErrRecordMissing: no record of this sign-in (none written, consumed
	// already, or removed by the TTL).
	ErrRecordMissing = errors.New("steprecord: no record of this sign-in")
	// ErrRecordMalformed: the record lacks a numeric passedAt or a client id.
	ErrRecordMalformed = errors.New("steprecord: malformed record")
	// ErrRecordStale: the record's passedAt lies outside [now-window,
	// now+FutureSkew].
	ErrRecordStale = errors.New("steprecord: record outside the window")
	// ErrRecordOtherClient: the record was written for another app client.
	ErrRecordOtherClient = errors.New("steprecord: record of another app client")
)

// ErrInvalidClientID is returned by Record for an empty or oversized app
// client id.
var ErrInvalidClientID = errors.New("steprecord: invalid app client id")

// BindingHash is contract.BindingHash.
func BindingHash(value string) string { return contract.BindingHash(value) }

func validHash(h string) bool {
	if len(h) != 2*sha256.Size {
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

// Key returns the partition key of the step-up record of one sign-in:
// "<userPoolId>#<sub>#<bindingHash>". The pool id may not contain '#' and
// the hash is 64 hex digits, so the key is unambiguous and never an
// enrollment key.
func Key(poolID, sub, bindingHash string) (string, error) {
	if poolID == "" || sub == "" || strings.ContainsRune(poolID, '#') || len(poolID) > maxKeyPart || len(sub) > maxKeyPart || !validHash(bindingHash) {
		return "", ErrInvalidKey
	}
	return poolID + "#" + sub + "#" + bindingHash, nil
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

// Store reads and writes step-up records and enrollments in one table.
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

// Pass is one step-up that passed every token check.
type Pass struct {
	// PoolID and Sub name the Cognito user (the event's userPoolId and the
	// user's sub attribute).
	PoolID, Sub string
	// ClientID is the app client the sign-in runs on.
	ClientID string
	// BindingHash is the challenge's contract.PrivateBindingHash.
	BindingHash string
	// Identity is the provider identity the ID token presented.
	Identity enrollment.Identity
	// At is when the step-up passed.
	At time.Time
}

// Outcome is what RecordEnrolled and EnrollAndRecord found.
type Outcome int

// Outcomes.
const (
	// Recorded: the user is enrolled with this identity; the record is written.
	Recorded Outcome = iota + 1
	// Enrolled: the user had no enrollment; it and the record are written.
	Enrolled
	// NotEnrolled: the user has no enrollment; nothing was written.
	NotEnrolled
	// Mismatch: the user is enrolled with another identity; nothing written.
	Mismatch
)

func (o Outcome) String() string {
	switch o {
	case Recorded:
		return "recorded"
	case Enrolled:
		return "enrolled"
	case NotEnrolled:
		return "not_enrolled"
	case Mismatch:
		return "mismatch"
	}
	return "unknown"
}

func (s *Store) check(p Pass) (recordKey, enrollKey string, err error) {
	if s == nil || s.api == nil || s.table == "" {
		return "", "", errors.New("steprecord: store not configured")
	}
	if recordKey, err = Key(p.PoolID, p.Sub, p.BindingHash); err != nil {
		return "", "", err
	}
	if enrollKey, err = enrollment.Key(p.PoolID, p.Sub); err != nil {
		return "", "", ErrInvalidKey
	}
	if p.ClientID == "" || len(p.ClientID) > maxKeyPart {
		return "", "", ErrInvalidClientID
	}
	if !p.Identity.Valid() {
		return "", "", errors.New("steprecord: provider identity missing or oversized")
	}
	return recordKey, enrollKey, nil
}

func (s *Store) recordPut(key string, p Pass) *types.Put {
	return &types.Put{
		TableName: aws.String(s.table),
		Item: map[string]types.AttributeValue{
			contract.RecordPartitionKey: &types.AttributeValueMemberS{Value: key},
			contract.RecordPassedAt:     &types.AttributeValueMemberN{Value: strconv.FormatInt(p.At.UnixMilli(), 10)},
			contract.RecordClientID:     &types.AttributeValueMemberS{Value: p.ClientID},
			contract.RecordExpiresAt:    &types.AttributeValueMemberN{Value: strconv.FormatInt(p.At.Add(s.window+ExpirySlack).Unix(), 10)},
		},
	}
}

// RecordEnrolled writes the sign-in's record only if the user is enrolled
// with p.Identity: one TransactWriteItems (a condition check on the
// enrollment and the put of the record), the one AWS call of a warm
// Verify. It returns Recorded, NotEnrolled or Mismatch.
func (s *Store) RecordEnrolled(ctx context.Context, p Pass) (Outcome, error) {
	recordKey, enrollKey, err := s.check(p)
	if err != nil {
		return 0, err
	}
	item, failed, err := s.writeWithRecord(ctx, types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
		TableName:                           aws.String(s.table),
		Key:                                 map[string]types.AttributeValue{contract.RecordPartitionKey: &types.AttributeValueMemberS{Value: enrollKey}},
		ConditionExpression:                 aws.String("#iss = :iss AND #sub = :sub"),
		ExpressionAttributeNames:            map[string]string{"#iss": contract.EnrollIssuer, "#sub": contract.EnrollSubject},
		ExpressionAttributeValues:           identityValues(p.Identity),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}}, recordKey, p)
	switch {
	case err != nil:
		return 0, err
	case !failed:
		return Recorded, nil
	}
	if item == nil {
		// DynamoDB returns the old item with a failed condition
		// (ReturnValuesOnConditionCheckFailure ALL_OLD) whenever it exists,
		// so none means no enrollment. Were a store not to return it, an
		// enrolled user would still be refused: the enrolling transaction
		// that follows is conditioned on the enrollment being absent.
		return NotEnrolled, nil
	}
	return Mismatch, nil
}

// errRetry says the enrollment changed between the condition and the read.
var errRetry = errors.New("steprecord: enrollment changed concurrently")

// IsRetry reports whether err asks the caller to repeat RecordEnrolled once.
func IsRetry(err error) bool { return errors.Is(err, errRetry) }

// EnrollAndRecord enrolls p.Identity for a user who has no enrollment and
// writes the sign-in's record, in one transaction. Of two racing first
// step-ups exactly one enrolls; the other gets Mismatch (or, with the same
// identity, a retry error: RecordEnrolled then succeeds).
func (s *Store) EnrollAndRecord(ctx context.Context, p Pass) (Outcome, error) {
	recordKey, enrollKey, err := s.check(p)
	if err != nil {
		return 0, err
	}
	item := identityValues(p.Identity)
	enrollItem := map[string]types.AttributeValue{
		contract.RecordPartitionKey: &types.AttributeValueMemberS{Value: enrollKey},
		contract.EnrollIssuer:       item[":iss"],
		contract.EnrollSubject:      item[":sub"],
		contract.EnrolledAt:         &types.AttributeValueMemberN{Value: strconv.FormatInt(p.At.UnixMilli(), 10)},
		contract.EnrolledBy:         &types.AttributeValueMemberS{Value: contract.EnrolledByFirstUse},
	}
	old, failed, err := s.writeWithRecord(ctx, types.TransactWriteItem{Put: &types.Put{
		TableName:                           aws.String(s.table),
		Item:                                enrollItem,
		ConditionExpression:                 aws.String("attribute_not_exists(#pk)"),
		ExpressionAttributeNames:            map[string]string{"#pk": contract.RecordPartitionKey},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}}, recordKey, p)
	switch {
	case err != nil:
		return 0, err
	case !failed:
		return Enrolled, nil
	}
	var got enrollment.Identity
	if old != nil {
		got = identityOf(old)
	} else {
		rec, found, err := s.Enrollment(ctx, p.PoolID, p.Sub)
		if err != nil {
			return 0, err
		}
		if !found {
			return 0, errors.New("steprecord: enrollment condition failed on an absent item")
		}
		got = rec
	}
	if got == p.Identity {
		return Mismatch, errRetry
	}
	return Mismatch, nil
}

// Enrollment reads the user's enrolled identity (a strongly consistent read).
func (s *Store) Enrollment(ctx context.Context, poolID, sub string) (enrollment.Identity, bool, error) {
	key, err := enrollment.Key(poolID, sub)
	if err != nil {
		return enrollment.Identity{}, false, ErrInvalidKey
	}
	out, err := s.api.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.table),
		Key:            map[string]types.AttributeValue{contract.RecordPartitionKey: &types.AttributeValueMemberS{Value: key}},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return enrollment.Identity{}, false, fmt.Errorf("steprecord: get enrollment: %w", err)
	}
	if out == nil || len(out.Item) == 0 {
		return enrollment.Identity{}, false, nil
	}
	return identityOf(out.Item), true, nil
}

func identityValues(id enrollment.Identity) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		":iss": &types.AttributeValueMemberS{Value: id.Issuer},
		":sub": &types.AttributeValueMemberS{Value: id.Subject},
	}
}

// identityOf reads an enrollment item; a malformed one yields an identity
// that matches nothing real (empty parts are never Valid).
func identityOf(item map[string]types.AttributeValue) enrollment.Identity {
	var id enrollment.Identity
	if v, ok := item[contract.EnrollIssuer].(*types.AttributeValueMemberS); ok {
		id.Issuer = v.Value
	}
	if v, ok := item[contract.EnrollSubject].(*types.AttributeValueMemberS); ok {
		id.Subject = v.Value
	}
	return id
}

// writeWithRecord writes the sign-in's record in one transaction with
// first, whose condition decides: failed says it failed (nothing was
// written), and old is the item the condition saw when the store sent it.
func (s *Store) writeWithRecord(ctx context.Context, first types.TransactWriteItem, recordKey string, p Pass) (old map[string]types.AttributeValue, failed bool, err error) {
	_, err = s.api.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
		TransactItems: []types.TransactWriteItem{first, {Put: s.recordPut(recordKey, p)}},
	})
	if err == nil {
		return nil, false, nil
	}
	old, failed = conditionFailure(err, 0)
	if !failed {
		return nil, false, fmt.Errorf("steprecord: transact: %w", err)
	}
	return old, true, nil
}

// conditionFailure reports whether err is a cancelled transaction whose
// item i failed its condition, and returns that item's old value when the
// store sent it.
func conditionFailure(err error, i int) (map[string]types.AttributeValue, bool) {
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) || i >= len(tce.CancellationReasons) {
		return nil, false
	}
	r := tce.CancellationReasons[i]
	if aws.ToString(r.Code) != "ConditionalCheckFailed" {
		return nil, false
	}
	if len(r.Item) == 0 {
		return nil, true
	}
	return r.Item, true
}

// SignIn names the step-up record of one sign-in and the app client that
// consumes it.
type SignIn struct {
	// PoolID and Sub name the Cognito user.
	PoolID, Sub string
	// ClientID is the app client the issuance runs on.
	ClientID string
	// BindingHash is the hash of the per-challenge value the sign-in echoed
	// (contract.BindingHash).
	BindingHash string
}

// ConsumeAt deletes the record of the sign-in whose per-challenge value
// hashes to in.BindingHash and returns the time the step-up passed when
// the record existed with a passedAt in [now-window, now+FutureSkew] and
// was recorded for the app client in.ClientID. The delete returns the old
// item (ReturnValues ALL_OLD), so of concurrent callers at most one sees
// it. A record of another sign-in (another hash) is never touched. Every
// refusal is one of the errors above (errors.Is); a refused record is
// consumed all the same.
func (s *Store) ConsumeAt(ctx context.Context, in SignIn, now time.Time, window time.Duration) (time.Time, error) {
	key, err := Key(in.PoolID, in.Sub, in.BindingHash)
	if err != nil {
		return time.Time{}, err
	}
	if s == nil || s.api == nil || s.table == "" {
		return time.Time{}, fmt.Errorf("%w: not configured", ErrUnavailable)
	}
	out, err := s.api.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: aws.String(s.table),
		Key: map[string]types.AttributeValue{
			contract.RecordPartitionKey: &types.AttributeValueMemberS{Value: key},
		},
		ReturnValues: types.ReturnValueAllOld,
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: delete: %w", ErrUnavailable, err)
	}
	if out == nil || len(out.Attributes) == 0 {
		return time.Time{}, ErrRecordMissing
	}
	n, isN := out.Attributes[contract.RecordPassedAt].(*types.AttributeValueMemberN)
	if !isN {
		return time.Time{}, ErrRecordMalformed
	}
	ms, perr := strconv.ParseInt(n.Value, 10, 64)
	if perr != nil {
		return time.Time{}, ErrRecordMalformed
	}
	c, isS := out.Attributes[contract.RecordClientID].(*types.AttributeValueMemberS)
	if !isS || c.Value == "" {
		return time.Time{}, ErrRecordMalformed
	}
	passed := time.UnixMilli(ms)
	if window <= 0 || passed.Before(now.Add(-window)) || passed.After(now.Add(FutureSkew)) {
		return time.Time{}, ErrRecordStale
	}
	if c.Value != in.ClientID {
		return time.Time{}, ErrRecordOtherClient
	}
	return passed, nil
}

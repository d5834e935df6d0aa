package enrollment

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// DynamoDBAPI is the part of *dynamodb.Client the administrator store uses.
type DynamoDBAPI interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
}

var _ DynamoDBAPI = (*dynamodb.Client)(nil)

// AdminPrefix starts the EnrolledBy value of an administrator's enrollment.
const AdminPrefix = "admin:"

// maxWho bounds the administrator reference.
const maxWho = 256

// Audit actions (the "action" of an audit line).
const (
	ActionPreEnroll = "pre-enroll"
	ActionReenroll  = "re-enroll"
	ActionUnenroll  = "unenroll"
)

// Audit outcomes (the "outcome" of an audit line).
const (
	OutcomeDone            = "done"
	OutcomeAlreadyEnrolled = "already_enrolled"
	OutcomeNotEnrolled     = "not_enrolled"
	OutcomeError           = "error"
)

var (
	// ErrAlreadyEnrolled: PreEnroll found the user enrolled already (see
	// *AlreadyEnrolledError for the enrolled identity).
	ErrAlreadyEnrolled = errors.New("enrollment: user already enrolled")
	// ErrNotEnrolled: Unenroll found no enrollment.
	ErrNotEnrolled = errors.New("enrollment: user not enrolled")
	// ErrInvalidIdentity: the provider identity is empty or oversized.
	ErrInvalidIdentity = errors.New("enrollment: invalid provider identity (issuer and subject required)")
	// ErrInvalidAdmin: the administrator reference is empty, oversized, has
	// control characters, or is not an administrator's.
	ErrInvalidAdmin = errors.New("enrollment: invalid administrator reference")
	// ErrMalformed: the stored item is not an enrollment.
	ErrMalformed = errors.New("enrollment: malformed enrollment item")
)

// AlreadyEnrolledError is PreEnroll's refusal; errors.Is(err,
// ErrAlreadyEnrolled) holds. Existing is the enrolled record when DynamoDB
// returned it.
type AlreadyEnrolledError struct {
	PoolID, Sub string
	Existing    *Record
}

func (e *AlreadyEnrolledError) Error() string {
	if e.Existing == nil {
		return fmt.Sprintf("enrollment: user %s in %s already enrolled", e.Sub, e.PoolID)
	}
	return fmt.Sprintf("enrollment: user %s in %s already enrolled to issuer %q subject %q (%s at %s)",
		e.Sub, e.PoolID, e.Existing.Issuer, e.Existing.Subject, e.Existing.EnrolledBy, e.Existing.EnrolledAt.UTC().Format(time.RFC3339))
}

// Is makes errors.Is(err, ErrAlreadyEnrolled) hold.
func (e *AlreadyEnrolledError) Is(target error) bool { return target == ErrAlreadyEnrolled }

// Record is a stored enrollment.
type Record struct {
	Identity
	// EnrolledAt has millisecond precision (the item stores epoch ms).
	EnrolledAt time.Time
	// EnrolledBy is contract.EnrolledByFirstUse or AdminPrefix + who.
	EnrolledBy string
}

// Store is the administrator's view of enrollments: read, pre-enroll,
// re-enroll and unenroll. Every change attempt writes one audit line.
type Store struct {
	DB    DynamoDBAPI
	Table string
	// Audit receives one line per change attempt: action, outcome,
	// userPoolId, sub, the written issuer, subject, by and enrolledAt, and
	// the replaced ("previous") or refusing ("existing") enrollment. Nil:
	// slog.Default().
	Audit *slog.Logger
	// Now is the clock of EnrolledAt. Nil: time.Now.
	Now func() time.Time
}

// NewStore returns a store over table.
func NewStore(db DynamoDBAPI, table string, audit *slog.Logger) *Store {
	return &Store{DB: db, Table: table, Audit: audit}
}

// AdminBy returns the EnrolledBy value of administrator who: who itself if
// it already starts with AdminPrefix, else AdminPrefix + who.
func AdminBy(who string) (string, error) {
	who = strings.TrimSpace(who)
	name := strings.TrimPrefix(who, AdminPrefix)
	if strings.TrimSpace(name) == "" || len(AdminPrefix)+len(name) > maxWho || strings.ContainsFunc(name, unicode.IsControl) {
		return "", ErrInvalidAdmin
	}
	return AdminPrefix + name, nil
}

func (s *Store) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Store) audit() *slog.Logger {
	if s.Audit != nil {
		return s.Audit
	}
	return slog.Default()
}

func (s *Store) key(poolID, sub string) (map[string]types.AttributeValue, error) {
	pk, err := Key(poolID, sub)
	if err != nil {
		return nil, err
	}
	return map[string]types.AttributeValue{contract.RecordPartitionKey: &types.AttributeValueMemberS{Value: pk}}, nil
}

// Get reads the user's enrollment with a consistent read.
func (s *Store) Get(ctx context.Context, poolID, sub string) (rec Record, found bool, err error) {
	key, err := s.key(poolID, sub)
	if err != nil {
		return Record{}, false, err
	}
	out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.Table),
		Key:            key,
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return Record{}, false, fmt.Errorf("enrollment: get: %w", err)
	}
	if len(out.Item) == 0 {
		return Record{}, false, nil
	}
	rec, err = decode(out.Item)
	if err != nil {
		return Record{}, false, err
	}
	return rec, true, nil
}

// PreEnroll enrolls id for the user if the user has no enrollment yet (a
// conditional put); otherwise it returns an *AlreadyEnrolledError and
// changes nothing. who is the administrator (see AdminBy).
func (s *Store) PreEnroll(ctx context.Context, poolID, sub string, id Identity, who string) (Record, error) {
	item, rec, err := s.newItem(poolID, sub, id, who)
	if err != nil {
		return Record{}, err
	}
	_, err = s.DB.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                           aws.String(s.Table),
		Item:                                item,
		ConditionExpression:                 aws.String("attribute_not_exists(#pk)"),
		ExpressionAttributeNames:            map[string]string{"#pk": contract.RecordPartitionKey},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		refusal := &AlreadyEnrolledError{PoolID: poolID, Sub: sub}
		attrs := []any{}
		if len(ccf.Item) > 0 {
			existing, _ := decode(ccf.Item) // best effort: what the refusal reports
			refusal.Existing = &existing
			attrs = recordGroup("existing", &existing)
		}
		s.log(ctx, ActionPreEnroll, OutcomeAlreadyEnrolled, poolID, sub, &rec, attrs...)
		return Record{}, refusal
	}
	if err != nil {
		s.log(ctx, ActionPreEnroll, OutcomeError, poolID, sub, &rec, "error", err.Error())
		return Record{}, fmt.Errorf("enrollment: pre-enroll: %w", err)
	}
	s.log(ctx, ActionPreEnroll, OutcomeDone, poolID, sub, &rec)
	return rec, nil
}

// Reenroll replaces the user's enrollment (or creates it) with id, and
// returns the new record and the previous one (nil if there was none).
func (s *Store) Reenroll(ctx context.Context, poolID, sub string, id Identity, who string) (rec Record, previous *Record, err error) {
	item, rec, err := s.newItem(poolID, sub, id, who)
	if err != nil {
		return Record{}, nil, err
	}
	out, err := s.DB.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:    aws.String(s.Table),
		Item:         item,
		ReturnValues: types.ReturnValueAllOld,
	})
	if err != nil {
		s.log(ctx, ActionReenroll, OutcomeError, poolID, sub, &rec, "error", err.Error())
		return Record{}, nil, fmt.Errorf("enrollment: re-enroll: %w", err)
	}
	previous = decodePrevious(out.Attributes)
	s.log(ctx, ActionReenroll, OutcomeDone, poolID, sub, &rec, recordGroup("previous", previous)...)
	return rec, previous, nil
}

// Unenroll deletes the user's enrollment and returns it; ErrNotEnrolled if
// there was none. who is the administrator (see AdminBy), for the audit line.
func (s *Store) Unenroll(ctx context.Context, poolID, sub, who string) (previous Record, err error) {
	key, err := s.key(poolID, sub)
	if err != nil {
		return Record{}, err
	}
	by, err := AdminBy(who)
	if err != nil {
		return Record{}, err
	}
	out, err := s.DB.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:    aws.String(s.Table),
		Key:          key,
		ReturnValues: types.ReturnValueAllOld,
	})
	if err != nil {
		s.log(ctx, ActionUnenroll, OutcomeError, poolID, sub, nil, "by", by, "error", err.Error())
		return Record{}, fmt.Errorf("enrollment: unenroll: %w", err)
	}
	prev := decodePrevious(out.Attributes)
	if prev == nil {
		s.log(ctx, ActionUnenroll, OutcomeNotEnrolled, poolID, sub, nil, "by", by)
		return Record{}, ErrNotEnrolled
	}
	s.log(ctx, ActionUnenroll, OutcomeDone, poolID, sub, nil, append([]any{"by", by}, recordGroup("previous", prev)...)...)
	return *prev, nil
}

// newItem validates the inputs and builds the item of an administrator's
// enrollment of id.
func (s *Store) newItem(poolID, sub string, id Identity, who string) (map[string]types.AttributeValue, Record, error) {
	key, err := s.key(poolID, sub)
	if err != nil {
		return nil, Record{}, err
	}
	if !id.Valid() {
		return nil, Record{}, ErrInvalidIdentity
	}
	by, err := AdminBy(who)
	if err != nil {
		return nil, Record{}, err
	}
	rec := Record{Identity: id, EnrolledAt: time.UnixMilli(s.now().UnixMilli()), EnrolledBy: by}
	key[contract.EnrollIssuer] = &types.AttributeValueMemberS{Value: id.Issuer}
	key[contract.EnrollSubject] = &types.AttributeValueMemberS{Value: id.Subject}
	key[contract.EnrolledAt] = &types.AttributeValueMemberN{Value: strconv.FormatInt(rec.EnrolledAt.UnixMilli(), 10)}
	key[contract.EnrolledBy] = &types.AttributeValueMemberS{Value: by}
	return key, rec, nil
}

// decode reads an enrollment item; a missing or mistyped attribute is
// ErrMalformed (the fields that could be read are returned with it).
func decode(item map[string]types.AttributeValue) (Record, error) {
	var rec Record
	var bad []string
	str := func(name string) string {
		if v, ok := item[name].(*types.AttributeValueMemberS); ok && v.Value != "" {
			return v.Value
		}
		bad = append(bad, name)
		return ""
	}
	rec.Issuer = str(contract.EnrollIssuer)
	rec.Subject = str(contract.EnrollSubject)
	rec.EnrolledBy = str(contract.EnrolledBy)
	if v, ok := item[contract.EnrolledAt].(*types.AttributeValueMemberN); ok {
		if ms, err := strconv.ParseInt(v.Value, 10, 64); err == nil {
			rec.EnrolledAt = time.UnixMilli(ms)
		} else {
			bad = append(bad, contract.EnrolledAt)
		}
	} else {
		bad = append(bad, contract.EnrolledAt)
	}
	if len(bad) > 0 {
		return rec, fmt.Errorf("%w: %s missing or not of the expected type", ErrMalformed, strings.Join(bad, ", "))
	}
	return rec, nil
}

// decodePrevious reads the item a write replaced (nil if none). The write is
// done by then, so a malformed previous item is still reported as far as it
// can be read.
func decodePrevious(item map[string]types.AttributeValue) *Record {
	if len(item) == 0 {
		return nil
	}
	rec, _ := decode(item)
	return &rec
}

// recordGroup is rec as an audit group (nothing for nil).
func recordGroup(name string, prev *Record) []any {
	if prev == nil {
		return nil
	}
	return []any{slog.Group(name,
		"issuer", prev.Issuer,
		"subject", prev.Subject,
		"enrolledBy", prev.EnrolledBy,
		"enrolledAt", prev.EnrolledAt.UnixMilli(),
	)}
}

// log writes one audit line. It carries identifiers only: the pool id, the
// Cognito sub, the provider identity, the administrator; never a secret.
func (s *Store) log(ctx context.Context, action, outcome, poolID, sub string, rec *Record, attrs ...any) {
	level := slog.LevelInfo
	if outcome != OutcomeDone {
		level = slog.LevelWarn
	}
	base := []any{
		"audit", "enrollment",
		"action", action,
		"outcome", outcome,
		"table", s.Table,
		"userPoolId", poolID,
		"sub", sub,
	}
	if rec != nil {
		base = append(base,
			"issuer", rec.Issuer,
			"subject", rec.Subject,
			"by", rec.EnrolledBy,
			"enrolledAt", rec.EnrolledAt.UnixMilli(),
		)
	}
	s.audit().Log(ctx, level, "enrollment "+action, append(base, attrs...)...)
}

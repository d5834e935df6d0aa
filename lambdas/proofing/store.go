package proofing

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

// DynamoDB is the part of the DynamoDB client the store uses;
// *dynamodb.Client satisfies it.
type DynamoDB interface {
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
}

var _ DynamoDB = (*dynamodb.Client)(nil)

// Table layout. One table, four item kinds, partition key
// contract.RecordPartitionKey only, TTL contract.RecordExpiresAt:
//
//	"<poolId>#<username>"  the user's record (Record); a verified record
//	                       has no TTL: it keeps the document hash
//	"session#<sessionId>"  the session index: userPoolId, username
//	"replay#<hex sha256>"  a callback signature already seen
//	"document#<hex hmac>"  the document registry: the accounts (a string
//	                       set of "<poolId>#<username>") the document
//	                       proofed; no TTL
//
// A pool id never contains '#' and always contains '_', so the prefixes
// "session", "replay" and "document" never collide with a user record.
const (
	AttrSessionID   = "sessionId"
	AttrSessionURL  = "sessionUrl"
	AttrHandleHash  = "handleHash"
	AttrCreatedAt   = "createdAt"
	AttrStatus      = "status"
	AttrUserPoolID  = "userPoolId"
	AttrUsername    = "username"
	AttrLevel       = "level"
	AttrCompletedAt = "completedAt"
	AttrVerifiedAt  = "verifiedAt"
	AttrReason      = "reason"
	AttrDocument    = "documentHash"
	AttrEmailHash   = "emailHash"
	AttrAccounts    = "accounts"
	AttrFirstUsedAt = "firstUsedAt"
)

// Record statuses.
const (
	StatusPending  = "pending"
	StatusVerified = "verified"
	StatusRejected = "rejected"
)

// Key bounds (DynamoDB keys are at most 2048 bytes).
const maxKeyPart = 512

// ErrInvalidKey is returned for an empty or unusable pool id, user name or
// session id.
var ErrInvalidKey = errors.New("proofing: invalid key")

// ErrExists is returned by Begin when a live record or the session index
// already exists.
var ErrExists = errors.New("proofing: record exists")

// ErrDocumentInUse is returned by ClaimDocument when the document already
// proofed as many other accounts as allowed.
var ErrDocumentInUse = errors.New("proofing: document already used by another account")

// UserKey is "<poolId>#<username>".
func UserKey(poolID, username string) (string, error) {
	if poolID == "" || username == "" || strings.ContainsRune(poolID, '#') || !strings.ContainsRune(poolID, '_') || len(poolID) > maxKeyPart || len(username) > maxKeyPart {
		return "", ErrInvalidKey
	}
	return poolID + "#" + username, nil
}

// SessionKey is "session#<sessionId>".
func SessionKey(sessionID string) (string, error) {
	if !SessionIDPattern.MatchString(sessionID) {
		return "", ErrInvalidKey
	}
	return "session#" + sessionID, nil
}

// Record is a user's proofing record.
type Record struct {
	PoolID, Username string
	SessionID        string
	SessionURL       string
	// HandleHash is the lower-case hex SHA-256 of the client's handle.
	HandleHash string
	CreatedAt  time.Time
	Status     string
	// Reason is why a rejected record was rejected (a Reason* code the
	// user may see, e.g. ReasonDocumentInUse).
	Reason    string
	ExpiresAt time.Time
}

// Store reads and writes the proofing table.
type Store struct {
	API   DynamoDB
	Table string
}

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func n(v int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
}

func conditionFailed(err error) bool {
	var cf *types.ConditionalCheckFailedException
	return errors.As(err, &cf)
}

// Begin stores the session index, then the user's record. The index is
// written only when absent; the record when absent or expired and not
// verified (a sign-up that failed after the trigger leaves one behind).
// An existing live record is ErrExists: a second sign-up never replaces
// the first one's session or handle.
func (st *Store) Begin(ctx context.Context, r Record, now time.Time) error {
	uk, err := UserKey(r.PoolID, r.Username)
	if err != nil {
		return err
	}
	sk, err := SessionKey(r.SessionID)
	if err != nil {
		return err
	}
	_, err = st.API.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(st.Table),
		Item: map[string]types.AttributeValue{
			contract.RecordPartitionKey: s(sk),
			AttrUserPoolID:              s(r.PoolID),
			AttrUsername:                s(r.Username),
			contract.RecordExpiresAt:    n(r.ExpiresAt.Unix()),
		},
		ConditionExpression:      aws.String("attribute_not_exists(#pk)"),
		ExpressionAttributeNames: map[string]string{"#pk": contract.RecordPartitionKey},
	})
	if conditionFailed(err) {
		return ErrExists
	}
	if err != nil {
		return fmt.Errorf("proofing: put session index: %w", err)
	}
	_, err = st.API.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(st.Table),
		Item: map[string]types.AttributeValue{
			contract.RecordPartitionKey: s(uk),
			AttrSessionID:               s(r.SessionID),
			AttrSessionURL:              s(r.SessionURL),
			AttrHandleHash:              s(r.HandleHash),
			AttrCreatedAt:               n(r.CreatedAt.Unix()),
			AttrStatus:                  s(StatusPending),
			contract.RecordExpiresAt:    n(r.ExpiresAt.Unix()),
		},
		ConditionExpression:       aws.String("attribute_not_exists(#pk) OR (#exp < :now AND #st <> :verified)"),
		ExpressionAttributeNames:  map[string]string{"#pk": contract.RecordPartitionKey, "#exp": contract.RecordExpiresAt, "#st": AttrStatus},
		ExpressionAttributeValues: map[string]types.AttributeValue{":now": n(now.Unix()), ":verified": s(StatusVerified)},
	})
	if conditionFailed(err) {
		return ErrExists
	}
	if err != nil {
		return fmt.Errorf("proofing: put record: %w", err)
	}
	return nil
}

func str(item map[string]types.AttributeValue, k string) string {
	if v, ok := item[k].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

func num(item map[string]types.AttributeValue, k string) (int64, bool) {
	v, ok := item[k].(*types.AttributeValueMemberN)
	if !ok {
		return 0, false
	}
	i, err := strconv.ParseInt(v.Value, 10, 64)
	return i, err == nil
}

func (st *Store) get(ctx context.Context, key string) (map[string]types.AttributeValue, error) {
	out, err := st.API.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(st.Table),
		Key:            map[string]types.AttributeValue{contract.RecordPartitionKey: s(key)},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("proofing: get: %w", err)
	}
	return out.Item, nil
}

// Get returns the user's record; found is false for none, an expired one
// (TTL deletion lags) or a malformed one.
func (st *Store) Get(ctx context.Context, poolID, username string, now time.Time) (r Record, found bool, err error) {
	key, err := UserKey(poolID, username)
	if err != nil {
		return Record{}, false, nil
	}
	item, err := st.get(ctx, key)
	if err != nil || item == nil {
		return Record{}, false, err
	}
	created, ok1 := num(item, AttrCreatedAt)
	exp, ok2 := num(item, contract.RecordExpiresAt)
	r = Record{PoolID: poolID, Username: username, SessionID: str(item, AttrSessionID), SessionURL: str(item, AttrSessionURL),
		HandleHash: str(item, AttrHandleHash), Status: str(item, AttrStatus), Reason: str(item, AttrReason), CreatedAt: time.Unix(created, 0), ExpiresAt: time.Unix(exp, 0)}
	verified := r.Status == StatusVerified
	if !ok1 || (!ok2 && !verified) || r.SessionID == "" || r.SessionURL == "" || !ValidHandleHash(r.HandleHash) || r.Status == "" {
		return Record{}, false, nil
	}
	if !verified && !r.ExpiresAt.After(now) {
		return Record{}, false, nil
	}
	return r, true, nil
}

// SessionOwner returns the user a session was started for.
func (st *Store) SessionOwner(ctx context.Context, sessionID string, now time.Time) (poolID, username string, found bool, err error) {
	key, err := SessionKey(sessionID)
	if err != nil {
		return "", "", false, nil
	}
	item, err := st.get(ctx, key)
	if err != nil || item == nil {
		return "", "", false, err
	}
	exp, ok := num(item, contract.RecordExpiresAt)
	poolID, username = str(item, AttrUserPoolID), str(item, AttrUsername)
	if !ok || poolID == "" || username == "" {
		return "", "", false, nil
	}
	_ = exp // an expired index still names its owner; the record decides
	return poolID, username, true, nil
}

// MarkReplay records a callback signature digest until expires; fresh is
// false when it was already recorded (a replay).
func (st *Store) MarkReplay(ctx context.Context, digest string, expires time.Time) (fresh bool, err error) {
	_, err = st.API.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(st.Table),
		Item: map[string]types.AttributeValue{
			contract.RecordPartitionKey: s("replay#" + digest),
			contract.RecordExpiresAt:    n(expires.Unix()),
		},
		ConditionExpression:      aws.String("attribute_not_exists(#pk)"),
		ExpressionAttributeNames: map[string]string{"#pk": contract.RecordPartitionKey},
	})
	if conditionFailed(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("proofing: put replay mark: %w", err)
	}
	return true, nil
}

// Outcome is the end of a proofing, recorded on the user's record.
type Outcome struct {
	PoolID, Username, SessionID string
	// Status is StatusVerified or StatusRejected.
	Status string
	// Level is the assurance level reached (verified only).
	Level string
	// Reason is why it was rejected (rejected only).
	Reason string
	// DocumentHash is the registry key of the document (verified only).
	DocumentHash string
	// EmailHash is the keyed hash of the verified email the proof was
	// granted for (EmailHash; verified only): the record keeps which
	// address it proofed without holding the address.
	EmailHash   string
	CompletedAt time.Time
}

// SetOutcome records o on the user's record, only while it still names
// o.SessionID. A verified record loses its TTL: it keeps the document hash
// for as long as the account exists.
func (st *Store) SetOutcome(ctx context.Context, o Outcome, now time.Time) error {
	key, err := UserKey(o.PoolID, o.Username)
	if err != nil {
		return err
	}
	update := "SET #st = :st, #lv = :lv, #ca = :ca, #va = :va, #rs = :rs"
	names := map[string]string{"#st": AttrStatus, "#lv": AttrLevel, "#ca": AttrCompletedAt, "#va": AttrVerifiedAt, "#rs": AttrReason, "#sid": AttrSessionID}
	values := map[string]types.AttributeValue{
		":st": s(o.Status), ":lv": s(o.Level), ":ca": s(o.CompletedAt.UTC().Format(time.RFC3339)), ":va": n(now.Unix()), ":rs": s(o.Reason), ":sid": s(o.SessionID),
	}
	if o.Status == StatusVerified {
		update += ", #doc = :doc, #em = :em REMOVE #exp"
		names["#doc"], names["#em"], names["#exp"] = AttrDocument, AttrEmailHash, contract.RecordExpiresAt
		values[":doc"], values[":em"] = s(o.DocumentHash), s(o.EmailHash)
	}
	_, err = st.API.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(st.Table),
		Key:                       map[string]types.AttributeValue{contract.RecordPartitionKey: s(key)},
		UpdateExpression:          aws.String(update),
		ConditionExpression:       aws.String("#sid = :sid"),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	})
	if err != nil {
		return fmt.Errorf("proofing: update record: %w", err)
	}
	return nil
}

// ClaimDocument adds owner ("<poolId>#<username>") to the accounts the
// document (its registry hash) proofed, unless max other accounts already
// hold it: then ErrDocumentInUse. Claiming again for the same owner
// succeeds (a retried callback). The check and the add are one conditional
// update, so two accounts racing for the last place cannot both get it.
func (st *Store) ClaimDocument(ctx context.Context, docHash, owner string, max int, now time.Time) error {
	if len(docHash) != 2*sha256Size || owner == "" || max < 1 {
		return ErrInvalidKey
	}
	_, err := st.API.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                aws.String(st.Table),
		Key:                      map[string]types.AttributeValue{contract.RecordPartitionKey: s("document#" + docHash)},
		UpdateExpression:         aws.String("ADD #acc :owners SET #first = if_not_exists(#first, :now)"),
		ConditionExpression:      aws.String("attribute_not_exists(#pk) OR contains(#acc, :owner) OR size(#acc) < :max"),
		ExpressionAttributeNames: map[string]string{"#pk": contract.RecordPartitionKey, "#acc": AttrAccounts, "#first": AttrFirstUsedAt},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":owners": &types.AttributeValueMemberSS{Value: []string{owner}}, ":owner": s(owner),
			":max": n(int64(max)), ":now": n(now.Unix()),
		},
	})
	if conditionFailed(err) {
		return ErrDocumentInUse
	}
	if err != nil {
		return fmt.Errorf("proofing: claim document: %w", err)
	}
	return nil
}

// sha256Size is the byte length of a registry hash.
const sha256Size = 32

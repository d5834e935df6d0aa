package connect

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// DynamoDB is the part of the DynamoDB API the store uses;
// *dynamodb.Client satisfies it.
type DynamoDB interface {
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
}

var _ DynamoDB = (*dynamodb.Client)(nil)

// Attribute names of the connect table's items.
const (
	attrSub       = "sub"
	attrOriginJTI = "originJti"
	attrNonce     = "nonce"
	attrVerifier  = "verifier"
	attrCreatedAt = "createdAt"
	attrProvider  = "provider"
	attrOwnerSub  = "ownerSub"
	attrOwnerUser = "ownerUsername"
	attrLinkedAt  = "connectedAt"
)

// Pending is one started connect, kept server side.
type Pending struct {
	Sub, OriginJTI  string
	Nonce, Verifier string
	Provider        string
	CreatedAt       time.Time
}

// Owner is the user an identity was connected to through this capability.
type Owner struct {
	Sub, Username string
}

// Store keeps pending starts and identity owners in the connect table.
type Store struct {
	API   DynamoDB
	Table string
}

// ErrExists is returned by PutPending for a key already present, and by
// ClaimOwner when another user owns the identity.
var ErrExists = errors.New("connect: item exists")

func attrS(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func attrN(v int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
}

func key(k string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{contract.RecordPartitionKey: attrS(k)}
}

func isConditionFailed(err error) bool {
	var cf *types.ConditionalCheckFailedException
	return errors.As(err, &cf)
}

// PutPending stores p under the state's key until expires (TTL), never
// over an existing item.
func (st *Store) PutPending(ctx context.Context, state string, p Pending, expires time.Time) error {
	item := map[string]types.AttributeValue{
		contract.RecordPartitionKey: attrS(stateKey(state)),
		attrSub:                     attrS(p.Sub),
		attrNonce:                   attrS(p.Nonce),
		attrVerifier:                attrS(p.Verifier),
		attrProvider:                attrS(p.Provider),
		attrCreatedAt:               attrN(p.CreatedAt.UnixMilli()),
		contract.RecordExpiresAt:    attrN(expires.Unix()),
	}
	if p.OriginJTI != "" {
		item[attrOriginJTI] = attrS(p.OriginJTI)
	}
	_, err := st.API.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:           aws.String(st.Table),
		Item:                item,
		ConditionExpression: aws.String("attribute_not_exists(#pk)"),
		ExpressionAttributeNames: map[string]string{
			"#pk": contract.RecordPartitionKey,
		},
	})
	if isConditionFailed(err) {
		return ErrExists
	}
	return err
}

// ErrNotYours is returned by TakePending for a state that exists but was
// started by another user or sign-in session; the record stays for its
// owner.
var ErrNotYours = errors.New("connect: pending start of another caller")

// TakePending deletes the state's record if caller started it (same sub;
// same origin_jti when the start recorded one) and returns what it held.
// found is false when there was none (never issued, or already taken):
// only the first call for a state gets the record. A record of another
// caller is left in place (ErrNotYours), so nobody else can spend a start.
func (st *Store) TakePending(ctx context.Context, state string, caller Caller) (p Pending, found bool, err error) {
	cond := "attribute_not_exists(#pk) OR (#sub = :sub AND attribute_not_exists(#oj))"
	values := map[string]types.AttributeValue{":sub": attrS(caller.Sub)}
	if caller.OriginJTI != "" {
		cond = "attribute_not_exists(#pk) OR (#sub = :sub AND (attribute_not_exists(#oj) OR #oj = :oj))"
		values[":oj"] = attrS(caller.OriginJTI)
	}
	out, err := st.API.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:           aws.String(st.Table),
		Key:                 key(stateKey(state)),
		ConditionExpression: aws.String(cond),
		ExpressionAttributeNames: map[string]string{
			"#pk": contract.RecordPartitionKey, "#sub": attrSub, "#oj": attrOriginJTI,
		},
		ExpressionAttributeValues: values,
		ReturnValues:              types.ReturnValueAllOld,
	})
	if isConditionFailed(err) {
		return Pending{}, false, ErrNotYours
	}
	if err != nil {
		return Pending{}, false, err
	}
	if out == nil || len(out.Attributes) == 0 {
		return Pending{}, false, nil
	}
	a := out.Attributes
	created, ok := num(a[attrCreatedAt])
	p = Pending{Sub: str(a[attrSub]), OriginJTI: str(a[attrOriginJTI]), Nonce: str(a[attrNonce]), Verifier: str(a[attrVerifier]),
		Provider: str(a[attrProvider]), CreatedAt: time.UnixMilli(created)}
	if !ok || p.Sub == "" || p.Nonce == "" || p.Verifier == "" {
		return Pending{}, false, errors.New("connect: malformed pending record")
	}
	return p, true, nil
}

// ClaimOwner records me as the owner of the identity, unless another user
// owns it (ErrExists, with that owner). With replace set, it takes over
// only from that exact previous owner (a stale record).
func (st *Store) ClaimOwner(ctx context.Context, provider, subject string, me Owner, replace *Owner, now time.Time) (Owner, error) {
	in := &dynamodb.PutItemInput{
		TableName: aws.String(st.Table),
		Item: map[string]types.AttributeValue{
			contract.RecordPartitionKey: attrS(ownerKey(provider, subject)),
			attrOwnerSub:                attrS(me.Sub),
			attrOwnerUser:               attrS(me.Username),
			attrLinkedAt:                attrN(now.UnixMilli()),
		},
		ExpressionAttributeNames: map[string]string{"#pk": contract.RecordPartitionKey, "#o": attrOwnerSub},
	}
	if replace == nil {
		in.ConditionExpression = aws.String("attribute_not_exists(#pk) OR #o = :me")
		in.ExpressionAttributeValues = map[string]types.AttributeValue{":me": attrS(me.Sub)}
	} else {
		in.ConditionExpression = aws.String("#o = :old")
		in.ExpressionAttributeValues = map[string]types.AttributeValue{":old": attrS(replace.Sub)}
	}
	_, err := st.API.PutItem(ctx, in)
	if err == nil {
		return me, nil
	}
	if !isConditionFailed(err) {
		return Owner{}, err
	}
	out, gerr := st.API.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(st.Table), Key: key(ownerKey(provider, subject)), ConsistentRead: aws.Bool(true)})
	if gerr != nil {
		return Owner{}, gerr
	}
	if out == nil || len(out.Item) == 0 {
		return Owner{}, ErrExists // deleted meanwhile: refuse this time
	}
	return Owner{Sub: str(out.Item[attrOwnerSub]), Username: str(out.Item[attrOwnerUser])}, ErrExists
}

// ReleaseOwner deletes the identity's owner record if me owns it; a record
// of another owner is left alone.
func (st *Store) ReleaseOwner(ctx context.Context, provider, subject string, me Owner) error {
	_, err := st.API.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                 aws.String(st.Table),
		Key:                       key(ownerKey(provider, subject)),
		ConditionExpression:       aws.String("#o = :me"),
		ExpressionAttributeNames:  map[string]string{"#o": attrOwnerSub},
		ExpressionAttributeValues: map[string]types.AttributeValue{":me": attrS(me.Sub)},
	})
	if isConditionFailed(err) {
		return nil
	}
	return err
}

func str(v types.AttributeValue) string {
	if x, ok := v.(*types.AttributeValueMemberS); ok {
		return x.Value
	}
	return ""
}

func num(v types.AttributeValue) (int64, bool) {
	x, ok := v.(*types.AttributeValueMemberN)
	if !ok {
		return 0, false
	}
	i, err := strconv.ParseInt(x.Value, 10, 64)
	return i, err == nil && i > 0
}

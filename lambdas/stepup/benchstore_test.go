package stepup_test

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/steprecord"
)

// countingDynamoDB is an in-memory FAKE of the three DynamoDB calls the
// step-up store makes, for counting calls in benchmarks only (the store's
// behaviour is tested against moto in lambdas/internal/steprecord). It
// follows the documented semantics the store relies on: a transaction whose
// ConditionCheck (issuer and subject equal) or conditional Put
// (attribute_not_exists) fails is cancelled with ConditionalCheckFailed and
// writes nothing.
type countingDynamoDB struct {
	mu    sync.Mutex
	items map[string]map[string]types.AttributeValue
	calls atomic.Int64
}

var _ steprecord.API = (*countingDynamoDB)(nil)

func newCountingDynamoDB() *countingDynamoDB {
	return &countingDynamoDB{items: map[string]map[string]types.AttributeValue{}}
}

func keyOf(m map[string]types.AttributeValue) string {
	return m[contract.RecordPartitionKey].(*types.AttributeValueMemberS).Value
}

func str(m map[string]types.AttributeValue, k string) string {
	if v, ok := m[k].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

// cancelled is the documented cancellation: the failed item's old value
// (ReturnValuesOnConditionCheckFailure ALL_OLD) when it exists.
func cancelled(old map[string]types.AttributeValue) error {
	return &types.TransactionCanceledException{Message: aws.String("cancelled"), CancellationReasons: []types.CancellationReason{
		{Code: aws.String("ConditionalCheckFailed"), Item: old}, {Code: aws.String("None")},
	}}
}

func (d *countingDynamoDB) TransactWriteItems(_ context.Context, in *dynamodb.TransactWriteItemsInput, _ ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	d.calls.Add(1)
	d.mu.Lock()
	defer d.mu.Unlock()
	first := in.TransactItems[0]
	switch {
	case first.ConditionCheck != nil:
		cur, ok := d.items[keyOf(first.ConditionCheck.Key)]
		vals := first.ConditionCheck.ExpressionAttributeValues
		if !ok || str(cur, contract.EnrollIssuer) != vals[":iss"].(*types.AttributeValueMemberS).Value || str(cur, contract.EnrollSubject) != vals[":sub"].(*types.AttributeValueMemberS).Value {
			return nil, cancelled(cur)
		}
	case first.Put != nil:
		if cur, ok := d.items[keyOf(first.Put.Item)]; ok {
			return nil, cancelled(cur)
		}
		d.items[keyOf(first.Put.Item)] = first.Put.Item
	}
	for _, it := range in.TransactItems[1:] {
		d.items[keyOf(it.Put.Item)] = it.Put.Item
	}
	return &dynamodb.TransactWriteItemsOutput{}, nil
}

func (d *countingDynamoDB) GetItem(_ context.Context, in *dynamodb.GetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	d.calls.Add(1)
	d.mu.Lock()
	defer d.mu.Unlock()
	return &dynamodb.GetItemOutput{Item: d.items[keyOf(in.Key)]}, nil
}

func (d *countingDynamoDB) DeleteItem(_ context.Context, in *dynamodb.DeleteItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	d.calls.Add(1)
	d.mu.Lock()
	defer d.mu.Unlock()
	old := d.items[keyOf(in.Key)]
	delete(d.items, keyOf(in.Key))
	return &dynamodb.DeleteItemOutput{Attributes: old}, nil
}

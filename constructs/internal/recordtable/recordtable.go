// Package recordtable creates the constructs' DynamoDB tables by one
// recipe: the string partition key contract.RecordPartitionKey, on-demand
// billing, a TTL on contract.RecordExpiresAt for short-lived items,
// point-in-time recovery, and the metadata constructs/monitoring finds the
// table by.
package recordtable

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// New creates the table id; kind names it to constructs/monitoring
// ("connect"). What the table keeps decides its encryption and whether it
// outlives the stack, so the caller says why.
func New(scope constructs.Construct, id, kind string, encryption awsdynamodb.TableEncryption, removal awscdk.RemovalPolicy) awsdynamodb.Table {
	t := awsdynamodb.NewTable(scope, jsii.String(id), &awsdynamodb.TableProps{
		PartitionKey:        &awsdynamodb.Attribute{Name: jsii.String(contract.RecordPartitionKey), Type: awsdynamodb.AttributeType_STRING},
		BillingMode:         awsdynamodb.BillingMode_PAY_PER_REQUEST,
		TimeToLiveAttribute: jsii.String(contract.RecordExpiresAt),
		Encryption:          encryption,
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true),
		},
		RemovalPolicy: removal,
	})
	t.Node().AddMetadata(jsii.String(contract.MetadataTable), kind, nil)
	return t
}

package gofn

import "github.com/aws/aws-cdk-go/awscdk/v2/awslogs"

// LogRetention is r, or DefaultLogRetention when unset: for a construct
// whose other log groups (an API's access logs) keep its functions'
// retention.
func LogRetention(r awslogs.RetentionDays) awslogs.RetentionDays {
	if r == "" {
		return DefaultLogRetention
	}
	return r
}

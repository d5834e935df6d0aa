package main

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/cognitobridge/cognitobridge/test/localcognito"
)

// AWS list prices, us-east-1 (see docs/measured.md for the pages and the
// date they were read). Only what a sign-in or a call is billed per use:
// Cognito bills monthly active users, not calls; storage and the secrets'
// monthly fee are per month, not per sign-in.
const (
	priceLambdaRequest  = 0.20 / 1e6   // per request
	priceLambdaGBsArm   = 0.0000133334 // per GB-s, arm64, first 7.5 billion GB-s a month
	priceDynamoWRU      = 0.625 / 1e6  // on-demand write request unit
	priceDynamoRRU      = 0.125 / 1e6  // on-demand read request unit
	priceSecretsCall    = 0.05 / 10000 // Secrets Manager API call
	priceSSMHighThrough = 0.05 / 10000 // SSM Parameter Store API interaction, higher throughput only
	lambdaFullVCPUMB    = 1769         // the memory at which Lambda gives one full vCPU
	costPer             = 1_000_000    // figures per million sign-ins or calls
	sampleMemoryMB      = 128          // every sample function's MemorySize (the goldens)
)

// requestUnits are the DynamoDB units one call of an operation consumes,
// for the items the handlers write (each well under 1 KB; reads strongly
// consistent, under 4 KB). A TransactWriteItems of the step-up is two
// items (the enrollment's condition check and the record's put), each a
// transactional write of 2 units: the condition check is counted as a
// write, an upper bound (see docs/measured.md). Failed conditional writes
// are billed like passing ones.
var requestUnits = map[string]struct{ wru, rru float64 }{
	svcDynamoDB + ".TransactWriteItems": {wru: 4},
	svcDynamoDB + ".PutItem":            {wru: 1},
	svcDynamoDB + ".UpdateItem":         {wru: 1},
	svcDynamoDB + ".DeleteItem":         {wru: 1},
	svcDynamoDB + ".GetItem":            {rru: 1},
}

// cost is the list-price cost per million of one line's sign-ins (or calls).
type cost struct {
	requests, gbs, gbsCPU, dynamo, secrets, ssm float64
	wru, rru                                    float64 // per sign-in
}

func (c cost) total() float64 { return c.requests + c.gbs + c.dynamo + c.secrets }

// costOf computes the cost per million from per-line totals: invocations,
// their billed milliseconds (each invocation rounded up to a whole ms),
// and the counted AWS calls, over per sign-ins (or calls).
func costOf(invocations int, billedMS float64, calls map[string]int, per int) cost {
	var c cost
	if per == 0 {
		return c
	}
	f := float64(costPer) / float64(per)
	c.requests = float64(invocations) * priceLambdaRequest * f
	gbs := billedMS / 1000 * sampleMemoryMB / 1024
	c.gbs = gbs * priceLambdaGBsArm * f
	c.gbsCPU = c.gbs * lambdaFullVCPUMB / sampleMemoryMB
	for op, n := range calls {
		switch {
		case strings.HasPrefix(op, svcDynamoDB+"."):
			u := requestUnits[op]
			c.wru += u.wru * float64(n) / float64(per)
			c.rru += u.rru * float64(n) / float64(per)
		case strings.HasPrefix(op, svcSecrets+"."):
			c.secrets += float64(n) * priceSecretsCall * f
		case strings.HasPrefix(op, svcSSM+"."):
			c.ssm += float64(n) * priceSSMHighThrough * f
		}
	}
	c.dynamo = (c.wru*priceDynamoWRU + c.rru*priceDynamoRRU) * costPer
	return c
}

// billedMS sums the invocations' durations, each rounded up to a whole ms
// as Lambda bills them.
func billedMS(durs map[localcognito.Slot][]time.Duration) float64 {
	var ms float64
	for _, ds := range durs {
		for _, d := range ds {
			ms += math.Ceil(float64(d.Microseconds()) / 1000)
		}
	}
	return ms
}

// costLine prints "cost: <what> per million <unit>: $<total> = ...".
func costLine(what, unit string, c cost, note string) {
	fmt.Printf("cost: %s per million %s $%.2f = lambda requests $%.2f + lambda GB-s $%.3f (at a 128 MB function's CPU share, up to $%.2f) + dynamodb $%.2f (%.2f WRU, %.2f RRU each) + secrets manager $%.2f; ssm $0 at standard throughput ($%.2f at higher throughput)%s\n",
		what, unit, c.total(), c.requests, c.gbs, c.gbsCPU, c.dynamo, c.wru, c.rru, c.secrets, c.ssm, prefixed("; ", note))
}

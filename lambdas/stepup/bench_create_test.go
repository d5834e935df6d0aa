package stepup_test

// BenchmarkCreateWarm: Create.Handle of a warm container (discovery done,
// the secret static) after the password step, without the per-user start
// cap and with it: the cap's one conditional UpdateItem per start through
// the real aws-sdk-go-v2 client against moto_server on loopback (skipped
// without moto_server), and against the call-counting in-memory fake (the
// SDK's own cost, no network). Each iteration is a different user, so no
// start is refused. Metrics: dynamodb/op (DynamoDB calls per Create).

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/mototest"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/usercap"
	"github.com/cognitobridge/cognitobridge/lambdas/stepup"
)

// countingUpdates counts UpdateItem calls on top of a usercap.API.
type countingUpdates struct {
	usercap.API
	calls atomic.Int64
}

func (c *countingUpdates) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	c.calls.Add(1)
	return c.API.UpdateItem(ctx, in, o...)
}

// acceptAll is an in-memory FAKE of UpdateItem that answers success: for
// counting and for the handler's cost without a network.
type acceptAll struct{}

func (acceptAll) UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	return &dynamodb.UpdateItemOutput{}, nil
}

func BenchmarkCreateWarm(b *testing.B) {
	run := func(b *testing.B, api usercap.API, table string) {
		r := newBenchRig(b)
		var counted *countingUpdates
		if api != nil {
			counted = &countingUpdates{API: api}
			c, err := usercap.New(counted, table, contract.UserCapKindChallenge, contract.DefaultUserCapChallenges, 15*time.Minute)
			if err != nil {
				b.Fatal(err)
			}
			r.create.Cap = c
		}
		r.answer(b) // warm: discovery
		if counted != nil {
			counted.calls.Store(0)
		}
		h := stepup.Header{Version: "1", Region: "us-east-1", UserPoolID: "us-east-1_Bench0001", UserName: benchUserName,
			CallerContext: stepup.CallerContext{ClientID: "benchclient0001"}, TriggerSource: "CreateAuthChallenge_Authentication"}
		session := []stepup.ChallengeResult{{ChallengeName: stepup.ChallengeSRPA, ChallengeResult: true}, {ChallengeName: stepup.ChallengePasswordVerifier, ChallengeResult: true}}
		ctx := context.Background()
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			ev := stepup.CreateEvent{Header: h, Request: stepup.CreateRequest{
				UserAttributes: map[string]string{"sub": fmt.Sprintf("b0000000-0000-4000-8000-%012d", i)},
				ChallengeName:  stepup.ChallengeCustom, Session: session,
			}}
			if _, err := r.create.Handle(ctx, ev); err != nil {
				b.Fatalf("create: %v", err)
			}
		}
		b.StopTimer()
		n := int64(0)
		if counted != nil {
			n = counted.calls.Load()
		}
		b.ReportMetric(float64(n)/float64(b.N), "dynamodb/op")
	}
	b.Run("no-cap", func(b *testing.B) { run(b, nil, "") })
	b.Run("cap-fake", func(b *testing.B) { run(b, acceptAll{}, "cognitobridge-stepup") })
	b.Run("cap-moto", func(b *testing.B) {
		client, table := mototest.StepUpTable(b)
		run(b, client, table)
	})
}

// Command echo is a tiny aws-lambda-go handler the runtimeapi tests build
// with -tags lambda.norpc and run against the test Runtime API server.
package main

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

type event struct {
	Name    string `json:"name"`
	Fail    bool   `json:"fail"`
	Panic   bool   `json:"panic"`
	SleepMS int    `json:"sleepMs"` // ignores the context on purpose
}

type answer struct {
	Greeting    string `json:"greeting"`
	RequestID   string `json:"requestId"`
	FunctionARN string `json:"functionArn"`
	RemainingMS int64  `json:"remainingMs"`
}

func handle(ctx context.Context, e event) (answer, error) {
	if e.SleepMS > 0 {
		time.Sleep(time.Duration(e.SleepMS) * time.Millisecond)
	}
	if e.Panic {
		panic("echo: asked to panic")
	}
	if e.Fail {
		return answer{}, errors.New("echo: asked to fail")
	}
	lc, _ := lambdacontext.FromContext(ctx)
	var a answer
	a.Greeting = "hello " + e.Name
	if lc != nil {
		a.RequestID = lc.AwsRequestID
		a.FunctionARN = lc.InvokedFunctionArn
	}
	if d, ok := ctx.Deadline(); ok {
		a.RemainingMS = time.Until(d).Milliseconds()
	}
	return a, nil
}

func main() { lambda.Start(handle) }

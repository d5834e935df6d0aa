package proofing

import (
	"time"

	"github.com/cognitobridge/cognitobridge/lambdas/internal/logref"
)

// APIBudget caps the upstream time of one API request; the functions run
// with a 10 s timeout and keep APIDeadlineMargin back.
const (
	APIBudget         = 8 * time.Second
	APIDeadlineMargin = 500 * time.Millisecond
)

// ref is a short one-way reference for log correlation.
func ref(parts ...string) string { return logref.Ref(parts...) }

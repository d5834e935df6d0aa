package stepup

import (
	"github.com/cognitobridge/cognitobridge/constructs/internal/gofn"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// maxStartsPerUser is MaxStartsPerUser or the provider kind's default.
func (p *StepUpProps) maxStartsPerUser() float64 {
	switch {
	case p.MaxStartsPerUser != nil:
		return *p.MaxStartsPerUser
	case p.isSession():
		return contract.DefaultUserCapSessions
	}
	return contract.DefaultUserCapChallenges
}

// createOnlyEnv is the configuration only Create gets: the step-up table,
// where it counts each user's starts (and, with the session preset, reads
// the enrollment), and the cap.
func (p *StepUpProps) createOnlyEnv(table string) map[string]string {
	return map[string]string{
		contract.EnvStepUpTable:          table,
		contract.EnvUserCapStarts:        gofn.EnvNumber(p.maxStartsPerUser()),
		contract.EnvUserCapWindowSeconds: gofn.EnvNumber(orDuration(p.StartsWindow, contract.DefaultUserCapWindowSeconds*1000) / 1000),
	}
}

// createTableActions are Create's rights on the step-up table: UpdateItem
// for the start counter, and GetItem for the session preset's enrollment.
func (p *StepUpProps) createTableActions() []string {
	if p.isSession() {
		return []string{"dynamodb:GetItem", "dynamodb:UpdateItem"}
	}
	return []string{"dynamodb:UpdateItem"}
}

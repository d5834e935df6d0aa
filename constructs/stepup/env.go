package stepup

import (
	"encoding/json"
	"maps"
	"strconv"
	"strings"

	"github.com/cognitobridge/cognitobridge/constructs/internal/gofn"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// handlerEnv is the configuration of the trigger functions, without the
// secret ARN. It holds configuration only, never a credential. Define gets
// only what Define decides with; Create and Verify share the provider
// configuration, which the preset writes.
func (p *StepUpProps) handlerEnv(timeoutMillis, secretTTLSeconds float64) (define, provider map[string]string) {
	kind, _ := p.Provider.kind()
	provider = map[string]string{
		contract.EnvProvider:         kind,
		contract.EnvSecretTTLSeconds: strconv.FormatFloat(secretTTLSeconds, 'f', -1, 64),
		contract.EnvBudgetMillis:     strconv.FormatFloat(budgetMillis(timeoutMillis), 'f', -1, 64),
	}
	p.Provider.preset().env(p, provider)
	return p.defineEnv(), provider
}

// defineEnv is what Define decides with.
func (p *StepUpProps) defineEnv() map[string]string {
	kind, _ := p.Provider.kind()
	maxAttempts := float64(DefaultMaxAttempts)
	if p.MaxAttempts != nil {
		maxAttempts = *p.MaxAttempts
	}
	return map[string]string{
		contract.EnvProvider:          kind,
		contract.EnvMaxAttempts:       gofn.EnvNumber(maxAttempts),
		contract.EnvAllowPasswordless: strconv.FormatBool(p.AllowPasswordless != nil && *p.AllowPasswordless),
		contract.EnvStepUpPolicy:      string(p.policy()),
	}
}

// idTokenEnv is the configuration of the presets whose step-up ends in an
// ID token: the acr it must carry, the binding, the token endpoint's client
// authentication and the fresh authentication.
func (p *StepUpProps) idTokenEnv(provider map[string]string) {
	setEnvList(provider, contract.EnvRequiredACR, p.requiredAcr(), "")
	setEnv(provider, contract.EnvBindClaim, p.BindClaim)
	setEnv(provider, contract.EnvBindAttribute, p.BindAttribute)
	setEnv(provider, contract.EnvBindMode, p.BindMode)
	setEnv(provider, contract.EnvTokenAuthMethod, p.TokenAuthMethod)
	// Create asks the provider for a fresh authentication, Verify checks it:
	// both must agree.
	provider[contract.EnvFreshAuth] = contract.FreshAuthRequired
	if !p.freshAuth() {
		provider[contract.EnvFreshAuth] = contract.FreshAuthOff
	}
}

// setEnv sets key to v unless v is nil.
func setEnv(env map[string]string, key string, v *string) {
	if v != nil {
		env[key] = *v
	}
}

// setEnvList sets key to l joined by sep, or as a JSON array when sep is
// "", unless l is nil.
func setEnvList(env map[string]string, key string, l *[]*string, sep string) {
	if l == nil {
		return
	}
	vals := make([]string, 0, len(*l))
	for _, s := range *l {
		vals = append(vals, *s)
	}
	if sep != "" {
		env[key] = strings.Join(vals, sep)
		return
	}
	b, _ := json.Marshal(vals) // []string always marshals
	env[key] = string(b)
}

// verifyOnlyEnv is the configuration only Verify decides with: the
// enrollment mode and the auth_time skew (and, for a verification session,
// how long it waits on a pending one).
func (p *StepUpProps) verifyOnlyEnv(authTimeSkewSeconds float64) map[string]string {
	env := map[string]string{
		contract.EnvEnrollment:          string(p.enrollment()),
		contract.EnvAuthTimeSkewSeconds: gofn.EnvNumber(authTimeSkewSeconds),
	}
	if p.isSession() {
		maps.Copy(env, p.Provider.BlockIDSession.verifyEnv())
	}
	return env
}

// acrValues is what BlockID is asked for: AcrValues or DefaultBlockIDAcr.
func (b *BlockIDProvider) acrValues() *[]*string {
	if b.AcrValues != nil {
		return b.AcrValues
	}
	return &[]*string{strPtr(DefaultBlockIDAcr)}
}

// requiredAcr is RequiredAcr, or for BlockID the requested acr values: they
// are asked for as essential claims, so Verify holds BlockID to them.
func (p *StepUpProps) requiredAcr() *[]*string {
	if p.RequiredAcr == nil && p.Provider.BlockID != nil {
		return p.Provider.BlockID.acrValues()
	}
	return p.RequiredAcr
}

// stepUpRecordEnv is the step-up table configuration of Verify (keeps
// enrollments, writes records) and the guard (consumes records).
func stepUpRecordEnv(table string, windowSeconds float64) map[string]string {
	return map[string]string{
		contract.EnvStepUpTable:         table,
		contract.EnvStepUpWindowSeconds: gofn.EnvNumber(windowSeconds),
	}
}

// budgetMillis is the time a handler allows itself for upstream calls: the
// function timeout less a second for start-up and the answer to Cognito
// (4000 for the default 5 s), but never under 80 % of a short timeout.
func budgetMillis(timeoutMillis float64) float64 {
	b := timeoutMillis - 1000
	if floor := timeoutMillis * 4 / 5; b < floor {
		b = float64(int64(floor))
	}
	return b
}

func strPtr(s string) *string { return &s }

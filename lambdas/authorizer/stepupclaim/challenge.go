package stepupclaim

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// The RFC 9470 answer to a step-up that is not Fresh, shared by the step-up
// gate (lambdas/transactiongate) and the one-invocation middleware
// (lambdas/stepuphttp): one challenge, one place.

// Error descriptions of the challenge (RFC 6750 error_description: no
// more detail than a client needs to act).
var descriptions = map[Result]string{
	Missing:        "A step-up authentication is required",
	Stale:          "More recent authentication is required",
	Future:         "A step-up authentication is required",
	ReasonMismatch: "A step-up authentication for this transaction is required",
}

// IsChallenge reports whether r is answered with the RFC 9470 challenge.
func IsChallenge(r Result) bool { _, ok := descriptions[r]; return ok }

// WWWAuthenticate is the challenge header value (RFC 9470 section 3, on
// RFC 6750's Bearer scheme): error, error_description, max_age (a token:
// whole seconds), and acr_values (a quoted, space-separated list) when acr
// is not empty. description must be a quoted-string's content (no '"' or
// '\'); the descriptions of Challenge are.
func WWWAuthenticate(description string, maxAge time.Duration, acr []string) string {
	var b strings.Builder
	b.WriteString(`Bearer error="` + contract.ErrorInsufficientUserAuthentication + `"`)
	b.WriteString(`, error_description="` + description + `"`)
	b.WriteString(`, max_age=` + strconv.FormatInt(int64(maxAge/time.Second), 10))
	if len(acr) > 0 {
		b.WriteString(`, acr_values="` + strings.Join(acr, " ") + `"`)
	}
	return b.String()
}

// ChallengeBody is the JSON body of the 401.
type ChallengeBody struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
	MaxAge           int64  `json:"max_age"`
	AcrValues        string `json:"acr_values,omitempty"`
	// StepUpReasons are the reasons a step-up may name
	// (clientMetadata.stepup_reason) to satisfy this route.
	StepUpReasons []string `json:"stepup_reasons"`
}

// Challenge is the 401 answer for r (one of the challenge results; any
// other is answered as Missing): its headers (WWW-Authenticate,
// Content-Type, Cache-Control: no-store) and JSON body, for a route whose
// window is maxAge, whose step-up must name one of reasons, and which
// advertises acr.
func Challenge(r Result, maxAge time.Duration, reasons, acr []string) (status int, headers map[string]string, body string) {
	desc, ok := descriptions[r]
	if !ok {
		desc = descriptions[Missing]
	}
	b, _ := json.Marshal(ChallengeBody{ // strings and numbers always marshal
		Error:            contract.ErrorInsufficientUserAuthentication,
		ErrorDescription: desc,
		MaxAge:           int64(maxAge / time.Second),
		AcrValues:        strings.Join(acr, " "),
		StepUpReasons:    reasons,
	})
	return 401, map[string]string{
		"WWW-Authenticate": WWWAuthenticate(desc, maxAge, acr),
		"Content-Type":     "application/json",
		"Cache-Control":    "no-store",
	}, string(b)
}

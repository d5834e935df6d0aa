package stepup

import (
	"bytes"
	"encoding/json"
	"io"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// AnswerJSON builds the challengeAnswer a client sends: a JSON string whose
// content is the JSON object contract.Answer. For tests and clients in Go.
func AnswerJSON(code, state string) json.RawMessage {
	inner, _ := json.Marshal(contract.Answer{Code: code, State: state})
	outer, _ := json.Marshal(string(inner))
	return outer
}

// ParseAnswer checks the raw challengeAnswer strictly: a JSON string of at
// most contract.MaxAnswerBytes holding exactly one JSON object with the
// non-empty string members "code" and "state" (exact case, no other or
// repeated member, nothing after the object).
func ParseAnswer(raw json.RawMessage) (contract.Answer, Reason) {
	// A JSON string of MaxAnswerBytes content is at most 6 bytes per byte
	// escaped, plus quotes; refuse anything bigger before decoding.
	if len(raw) > 6*contract.MaxAnswerBytes+2 {
		return contract.Answer{}, ReasonAnswerTooLarge
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '"' {
		return contract.Answer{}, ReasonAnswerMalformed
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return contract.Answer{}, ReasonAnswerMalformed
	}
	if len(s) > contract.MaxAnswerBytes {
		return contract.Answer{}, ReasonAnswerTooLarge
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return contract.Answer{}, ReasonAnswerMalformed
	}
	var a contract.Answer
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return contract.Answer{}, ReasonAnswerMalformed
		}
		key, ok := tok.(string)
		if !ok || seen[key] {
			return contract.Answer{}, ReasonAnswerMalformed
		}
		seen[key] = true
		var dst *string
		switch key {
		case "code":
			dst = &a.Code
		case "state":
			dst = &a.State
		default:
			return contract.Answer{}, ReasonAnswerMalformed
		}
		vt, err := dec.Token()
		if err != nil {
			return contract.Answer{}, ReasonAnswerMalformed
		}
		v, ok := vt.(string)
		if !ok {
			return contract.Answer{}, ReasonAnswerMalformed
		}
		*dst = v
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return contract.Answer{}, ReasonAnswerMalformed
	}
	if _, err := dec.Token(); err != io.EOF {
		return contract.Answer{}, ReasonAnswerMalformed
	}
	if a.Code == "" || a.State == "" {
		return contract.Answer{}, ReasonAnswerMalformed
	}
	return a, ReasonOK
}

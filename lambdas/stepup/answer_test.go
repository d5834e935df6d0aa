package stepup

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

func TestParseAnswer(t *testing.T) {
	str := func(s string) json.RawMessage { b, _ := json.Marshal(s); return b }
	cases := []struct {
		name string
		raw  json.RawMessage
		want Reason
	}{
		{"ok", AnswerJSON("c", "s"), ReasonOK},
		{"ok reordered with spaces", str(` { "state" : "s", "code":"c" } `), ReasonOK},
		{"nil", nil, ReasonAnswerMalformed},
		{"json null", json.RawMessage(`null`), ReasonAnswerMalformed},
		{"bare object", json.RawMessage(`{"code":"c","state":"s"}`), ReasonAnswerMalformed},
		{"number", json.RawMessage(`42`), ReasonAnswerMalformed},
		{"string not json", str(`code=c&state=s`), ReasonAnswerMalformed},
		{"array", str(`["c","s"]`), ReasonAnswerMalformed},
		{"empty object", str(`{}`), ReasonAnswerMalformed},
		{"empty code", str(`{"code":"","state":"s"}`), ReasonAnswerMalformed},
		{"empty state", str(`{"code":"c","state":""}`), ReasonAnswerMalformed},
		{"missing state", str(`{"code":"c"}`), ReasonAnswerMalformed},
		{"unknown field", str(`{"code":"c","state":"s","x":1}`), ReasonAnswerMalformed},
		{"wrong case", str(`{"Code":"c","state":"s"}`), ReasonAnswerMalformed},
		{"duplicate", str(`{"code":"c","state":"s","state":"t"}`), ReasonAnswerMalformed},
		{"non-string code", str(`{"code":1,"state":"s"}`), ReasonAnswerMalformed},
		{"null code", str(`{"code":null,"state":"s"}`), ReasonAnswerMalformed},
		{"object code", str(`{"code":{"a":1},"state":"s"}`), ReasonAnswerMalformed},
		{"trailing data", str(`{"code":"c","state":"s"}{}`), ReasonAnswerMalformed},
		{"trailing garbage", str(`{"code":"c","state":"s"} x`), ReasonAnswerMalformed},
		{"truncated", str(`{"code":"c","state":"s"`), ReasonAnswerMalformed},
		{"too large", AnswerJSON(strings.Repeat("c", contract.MaxAnswerBytes), "s"), ReasonAnswerTooLarge},
		{"raw too large", json.RawMessage(`"` + strings.Repeat(`\u0041`, contract.MaxAnswerBytes+1) + `"`), ReasonAnswerTooLarge},
		{"invalid raw", json.RawMessage(`"abc`), ReasonAnswerMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, got := ParseAnswer(tc.raw)
			if got != tc.want {
				t.Fatalf("reason = %s, want %s", got, tc.want)
			}
			if got == ReasonOK && (a.Code != "c" || a.State != "s") {
				t.Fatalf("answer = %+v", a)
			}
		})
	}
}

func FuzzParseAnswer(f *testing.F) {
	f.Add([]byte(AnswerJSON("code", "state")))
	f.Add([]byte(`"{\"code\":\"a\",\"state\":\"b\",\"state\":\"c\"}"`))
	f.Add([]byte(`{"code":"a","state":"b"}`))
	f.Add([]byte(`"{\"code\":\"\\u0000\",\"state\":\"b\"}"`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		a, r := ParseAnswer(raw)
		if r != ReasonOK {
			if a != (contract.Answer{}) {
				t.Fatal("refusal returned a value")
			}
			return
		}
		if a.Code == "" || a.State == "" || len(a.Code)+len(a.State) > contract.MaxAnswerBytes {
			t.Fatalf("accepted %+v", a)
		}
		var s string
		if json.Unmarshal(raw, &s) != nil {
			t.Fatal("accepted something that is not a JSON string")
		}
		b, r2 := ParseAnswer(AnswerJSON(a.Code, a.State))
		if r2 != ReasonOK || b != a {
			t.Fatalf("round trip: %+v %s", b, r2)
		}
	})
}

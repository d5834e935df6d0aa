package stepupclaim

import (
	"encoding/json"
	"testing"
	"time"
)

func TestCheck(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	at := func(d time.Duration) int64 { return now.Add(d).Unix() }
	req := []string{"high_value_transaction", "payout_change"}
	for _, tc := range []struct {
		name   string
		at     int64
		ok     bool
		reason string
		want   Result
	}{
		{"fresh", at(-30 * time.Second), true, "high_value_transaction", Fresh},
		{"second reason", at(-30 * time.Second), true, "payout_change", Fresh},
		{"exactly the window", at(-5 * time.Minute), true, "payout_change", Fresh},
		{"one second over", at(-5*time.Minute - time.Second), true, "payout_change", Stale},
		{"missing", 0, false, "high_value_transaction", Missing},
		{"future within skew", at(ClockSkew), true, "high_value_transaction", Fresh},
		{"future beyond skew", at(ClockSkew + time.Second), true, "high_value_transaction", Future},
		{"plain sign-in", at(-time.Second), true, "sign_in", ReasonMismatch},
		{"no reason", at(-time.Second), true, "", ReasonMismatch},
		{"stale beats reason", at(-time.Hour), true, "sign_in", Stale},
	} {
		if got := Check(tc.at, tc.ok, tc.reason, now, DefaultMaxAge, req); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
	if got := Check(at(-time.Second), true, "", now, DefaultMaxAge, []string{""}); got != ReasonMismatch {
		t.Errorf("empty required reason matched an empty claim: %s", got)
	}
}

func TestEpochSecondsAndReason(t *testing.T) {
	for raw, want := range map[string]int64{
		`1700000000`: 1700000000, `"1700000000"`: 1700000000, ` 1700000000 `: 1700000000,
		`0`: 0, `-1`: 0, `1.5`: 0, `1e9`: 0, `true`: 0, `null`: 0, `""`: 0, `"17e8"`: 0, `253402300800`: 0, `9999999999999`: 0, ``: 0,
	} {
		got, ok := EpochSeconds(json.RawMessage(raw))
		if got != want || ok != (want != 0) {
			t.Errorf("EpochSeconds(%s) = %d, %v", raw, got, ok)
		}
	}
	for raw, want := range map[string]string{
		`"high_value_transaction"`: "high_value_transaction", `"Bad"`: "", `7`: "", `["a"]`: "", `null`: "", `""`: "",
	} {
		if got := Reason(json.RawMessage(raw)); got != want {
			t.Errorf("Reason(%s) = %q", raw, got)
		}
	}
}

func TestParse(t *testing.T) {
	if d, err := ParseMaxAge(""); err != nil || d != DefaultMaxAge {
		t.Errorf("default max age %v %v", d, err)
	}
	if d, err := ParseMaxAge(" 60 "); err != nil || d != time.Minute {
		t.Errorf("60: %v %v", d, err)
	}
	for _, bad := range []string{"0", "3601", "5m", "-1", "1.5"} {
		if _, err := ParseMaxAge(bad); err == nil {
			t.Errorf("max age %q accepted", bad)
		}
	}
	if r, err := ParseReasons(""); err != nil || len(r) != 1 || r[0] != "high_value_transaction" {
		t.Errorf("default reasons %v %v", r, err)
	}
	if r, err := ParseReasons(`["payout_change","sign_in"]`); err != nil || len(r) != 2 {
		t.Errorf("reasons %v %v", r, err)
	}
	for _, bad := range []string{`[]`, `null`, `["Bad Reason"]`, `"x"`, `[1]`} {
		if _, err := ParseReasons(bad); err == nil {
			t.Errorf("reasons %s accepted", bad)
		}
	}
}

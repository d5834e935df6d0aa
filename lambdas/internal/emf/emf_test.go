package emf

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/test/emfspec"
)

// TestDecisionLineIsEMF: a slog JSON line with Decision's members parses as
// the EMF specification documents it, and yields exactly the three metrics
// with the contract's names and dimensions.
func TestDecisionLineIsEMF(t *testing.T) {
	for _, tc := range []struct {
		reason string
		level  slog.Level
		fault  float64
	}{
		{"ok", slog.LevelInfo, 0},
		{contract.ReasonEnrollmentMismatch, slog.LevelWarn, 0},
		{"store_unavailable", slog.LevelWarn, 1},
		{"anything", slog.LevelError, 1},
		{"", slog.LevelInfo, 0},
	} {
		var buf bytes.Buffer
		l := slog.New(slog.NewJSONHandler(&buf, nil))
		l.LogAttrs(context.Background(), tc.level, "decision", slog.String("reason", tc.reason),
			Attr(contract.HandlerStepUpVerify, tc.reason, tc.level, time.Now().Add(-1500*time.Microsecond)))
		doc, err := emfspec.Parse(buf.Bytes())
		if err != nil {
			t.Fatalf("%s: %v", buf.String(), err)
		}
		reason := tc.reason
		if reason == "" {
			reason = "none"
		}
		got := map[string]float64{}
		for _, m := range doc.Metrics {
			got[m.Key()] = m.Value
		}
		want := map[string]float64{
			"CognitoBridge/Decisions[Function=local,Handler=stepup_verify,Reason=" + reason + "]": 1,
			"CognitoBridge/Faults[Function=local]":                                                tc.fault,
		}
		for k, v := range want {
			if got[k] != v {
				t.Fatalf("%s: %s = %v, want %v (all %v)", tc.reason, k, got[k], v, got)
			}
		}
		if d := got["CognitoBridge/Duration[Function=local]"]; d < 1.5 || len(got) != 3 {
			t.Fatalf("%v", got)
		}
		if time.Since(time.UnixMilli(doc.Timestamp)) > time.Minute {
			t.Fatalf("timestamp %d", doc.Timestamp)
		}
	}
}

// TestDimensionValuesBounded: a value that CloudWatch would reject as a
// dimension never reaches the document.
func TestDimensionValuesBounded(t *testing.T) {
	for _, v := range []string{"", " ", "a b", "é", string(make([]byte, MaxDimensionValue+1))} {
		if got := dimensionValue(v, "x", MaxDimensionValue); got != "x" {
			t.Fatalf("%q -> %q", v, got)
		}
	}
}

// TestLevel: a failure is an error even when it also refused; a refusal
// alone a warning.
func TestLevel(t *testing.T) {
	for _, tc := range []struct {
		failed, refused bool
		want            slog.Level
	}{{false, false, slog.LevelInfo}, {false, true, slog.LevelWarn}, {true, false, slog.LevelError}, {true, true, slog.LevelError}} {
		if got := Level(tc.failed, tc.refused); got != tc.want {
			t.Errorf("Level(%v, %v) = %v, want %v", tc.failed, tc.refused, got, tc.want)
		}
	}
}

// TestCommandHandlersCoverTheCommands: every handler command that logs
// decisions has its Handler values in the contract (the monitoring finds
// its alarms through them).
func TestCommandHandlersCoverTheCommands(t *testing.T) {
	dirs, err := os.ReadDir(filepath.Join("..", "..", "cmd"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if slices.Contains([]string{"pool-triggers", "client-jwks", "transaction-echo"}, d.Name()) {
			continue // deploy-time custom resources (they decide nothing a user meets); the sample echo
		}
		if len(contract.CommandHandlers[d.Name()]) == 0 {
			t.Errorf("contract.CommandHandlers has no entry for lambdas/cmd/%s", d.Name())
		}
	}
	for _, w := range contract.WatchedRefusals {
		found := false
		for _, hs := range contract.CommandHandlers {
			found = found || slices.Contains(hs, w.Handler)
		}
		if !found {
			t.Errorf("watched refusal %s/%s: no command logs that handler", w.Handler, w.Reason)
		}
	}
}

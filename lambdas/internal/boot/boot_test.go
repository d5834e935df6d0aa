package boot

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"testing"
)

func capture(t *testing.T) (*bytes.Buffer, *int) {
	t.Helper()
	var buf bytes.Buffer
	code := -1
	oldLogger, oldExit := Logger, exit
	Logger = slog.New(slog.NewJSONHandler(&buf, nil))
	exit = func(c int) { code = c }
	t.Cleanup(func() { Logger, exit = oldLogger, oldExit })
	return &buf, &code
}

func TestMustFailsWithOneJSONLine(t *testing.T) {
	buf, code := capture(t)
	if got := Must(7, nil); got != 7 || *code != -1 || buf.Len() != 0 {
		t.Fatalf("Must(7, nil) = %d, exit %d, log %q", got, *code, buf)
	}
	Must(0, errors.New("STEPUP_ISSUER: required"))
	if *code != 1 {
		t.Fatalf("exit code %d, want 1", *code)
	}
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatalf("not one JSON line: %q", buf)
	}
	if line["level"] != "ERROR" || line["msg"] != MsgConfigInvalid || line["reason"] != "config_invalid" || line["error"] != "STEPUP_ISSUER: required" {
		t.Fatalf("line = %v", line)
	}
}

func TestFailKeepsMessage(t *testing.T) {
	buf, code := capture(t)
	Fail(MsgAWSUnavailable, errors.New("no region"))
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil || *code != 1 {
		t.Fatalf("exit %d, log %q", *code, buf)
	}
	if line["msg"] != "AWS configuration unavailable" || line["reason"] != "config_invalid" || line["error"] != "no region" {
		t.Fatalf("line = %v", line)
	}
}

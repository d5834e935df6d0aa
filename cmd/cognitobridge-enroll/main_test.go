package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cognitobridge/cognitobridge/lambdas/enrollment"
	"github.com/cognitobridge/cognitobridge/test/motoserver"
)

const (
	table = "cognitobridge-stepup"
	pool  = "us-east-1_AbCdEf123"
	sub   = "6f1c2c3e-0000-4000-8000-000000000001"
	iss   = "https://idp.example.com"
	idSub = "idp-sub-alice"
)

// noStore fails the test if a command gets as far as opening the store.
func noStore(t *testing.T) storeFunc {
	return func(context.Context, string, *slog.Logger) (*enrollment.Store, error) {
		t.Error("store opened for a usage error")
		return nil, errors.New("no store")
	}
}

func TestUsageErrors(t *testing.T) {
	base := []string{"-table", table, "-user-pool-id", pool, "-sub", sub}
	withID := append(append([]string{}, base...), "-issuer", iss, "-subject", idSub)
	env := func(k string) string {
		if k == "USER" {
			return "tester"
		}
		return ""
	}
	for _, tc := range []struct {
		name string
		args []string
		env  func(string) string
		want string
	}{
		{"no subcommand", nil, env, "missing subcommand"},
		{"unknown subcommand", append([]string{"enroll"}, base...), env, "unknown subcommand"},
		{"unknown flag", append([]string{"show", "-region", "x"}, base...), env, "flag provided but not defined"},
		{"missing table", []string{"show", "-user-pool-id", pool, "-sub", sub}, env, "-table is required"},
		{"missing sub", []string{"show", "-table", table, "-user-pool-id", pool}, env, "-sub is required"},
		{"pool with #", []string{"show", "-table", table, "-user-pool-id", "a#b", "-sub", sub}, env, "invalid user pool id"},
		{"pre-enroll without issuer", append([]string{"pre-enroll", "-subject", idSub}, base...), env, "-issuer is required"},
		{"re-enroll with empty subject", append([]string{"re-enroll", "-issuer", iss, "-subject", ""}, base...), env, "invalid provider identity"},
		{"unenroll with an identity", append([]string{"unenroll"}, withID...), env, "does not apply to unenroll"},
		{"show with -by", append([]string{"show", "-by", "x"}, base...), env, "-by does not apply"},
		{"no USER and no -by", append([]string{"pre-enroll"}, withID...), func(string) string { return "" }, "-by is required"},
		{"blank -by", append([]string{"unenroll", "-by", "admin: "}, base...), env, "invalid administrator"},
		{"extra argument", append(append([]string{"show"}, base...), "extra"), env, "unexpected argument"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run(context.Background(), tc.args, &out, &errOut, tc.env, noStore(t))
			if code != exitUsage {
				t.Errorf("exit = %d, want %d", code, exitUsage)
			}
			if !strings.Contains(errOut.String(), tc.want) || !strings.Contains(errOut.String(), "usage:") {
				t.Errorf("stderr = %q, want %q and the usage", errOut.String(), tc.want)
			}
			if out.Len() != 0 {
				t.Errorf("stdout = %q", out.String())
			}
		})
	}
}

func TestParseDefaultsBy(t *testing.T) {
	c, err := parse([]string{"unenroll", "-table", table, "-user-pool-id", pool, "-sub", sub},
		func(k string) string { return map[string]string{"USER": "ops-alice"}[k] })
	if err != nil || c.by != "admin:ops-alice" {
		t.Fatalf("by = %q, %v", c.by, err)
	}
	c, err = parse([]string{"unenroll", "-table", table, "-user-pool-id", pool, "-sub", sub, "-by", "carol"}, os.Getenv)
	if err != nil || c.by != "admin:carol" {
		t.Fatalf("by = %q, %v", c.by, err)
	}
}

// TestBinaryAgainstMoto builds the real command and runs it against
// moto_server through AWS_ENDPOINT_URL_DYNAMODB: pre-enroll, a refused
// second pre-enroll, show, unenroll, show.
func TestBinaryAgainstMoto(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the command and starts moto_server")
	}
	endpoint := motoserver.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	motoserver.CreateStepUpTable(t, motoserver.DynamoDB(endpoint), table)

	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, name)
	build := exec.CommandContext(ctx, goBin, "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	// Only what the command needs: no shared config, no instance metadata.
	env := []string{
		"HOME=" + dir,
		"USER=ops-alice",
		"AWS_ACCESS_KEY_ID=test",
		"AWS_SECRET_ACCESS_KEY=test",
		"AWS_REGION=" + motoserver.Region,
		"AWS_CONFIG_FILE=" + filepath.Join(dir, "no-config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(dir, "no-credentials"),
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_ENDPOINT_URL_DYNAMODB=" + endpoint,
	}
	type outcome struct {
		code        int
		stdout      result
		raw, stderr string
	}
	cli := func(args ...string) outcome {
		t.Helper()
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env = env
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		var exit *exec.ExitError
		o := outcome{raw: out.String(), stderr: errOut.String()}
		switch {
		case err == nil:
		case errors.As(err, &exit):
			o.code = exit.ExitCode()
		default:
			t.Fatalf("%v: %v", args, err)
		}
		if o.code == 0 {
			if err := json.Unmarshal(out.Bytes(), &o.stdout); err != nil {
				t.Fatalf("%v: stdout is not JSON: %v\n%s", args, err, out.String())
			}
		}
		t.Logf("$ %s %s\nexit %d\n%s%s", name, strings.Join(args, " "), o.code, o.raw, o.stderr)
		return o
	}
	user := []string{"-table", table, "-user-pool-id", pool, "-sub", sub}
	with := func(action string, extra ...string) []string {
		return append(append([]string{action}, user...), extra...)
	}

	started := time.Now()
	o := cli(with("pre-enroll", "-issuer", iss, "-subject", idSub)...)
	if o.code != 0 {
		t.Fatalf("pre-enroll exit %d", o.code)
	}
	e := o.stdout.Enrollment
	if !o.stdout.Enrolled || e == nil || e.Issuer != iss || e.Subject != idSub || e.EnrolledBy != "admin:ops-alice" ||
		e.EnrolledAtMs < started.UnixMilli() || o.stdout.UserPoolID != pool || o.stdout.Sub != sub {
		t.Errorf("pre-enroll stdout = %s", o.raw)
	}
	audit := auditLine(t, o.stderr)
	if audit["action"] != "pre-enroll" || audit["outcome"] != "done" || audit["userPoolId"] != pool || audit["sub"] != sub ||
		audit["issuer"] != iss || audit["by"] != "admin:ops-alice" {
		t.Errorf("audit = %v", audit)
	}

	o = cli(with("pre-enroll", "-issuer", iss, "-subject", "idp-sub-mallory", "-by", "bob")...)
	if o.code != exitFail || !strings.Contains(o.stderr, "already enrolled") || o.raw != "" {
		t.Errorf("second pre-enroll: exit %d stdout %q stderr %q; want exit 1, already enrolled", o.code, o.raw, o.stderr)
	}
	if a := auditLine(t, o.stderr); a["outcome"] != "already_enrolled" || a["by"] != "admin:bob" {
		t.Errorf("refusal audit = %v", a)
	}

	o = cli(with("show")...)
	if o.code != 0 || !o.stdout.Enrolled || o.stdout.Enrollment == nil || *o.stdout.Enrollment != *e {
		t.Errorf("show: exit %d stdout %s; want %+v", o.code, o.raw, *e)
	}
	if strings.TrimSpace(o.stderr) != "" {
		t.Errorf("show wrote to stderr: %q", o.stderr)
	}

	o = cli(with("unenroll")...)
	if o.code != 0 || o.stdout.Enrolled || o.stdout.Previous == nil || *o.stdout.Previous != *e {
		t.Errorf("unenroll: exit %d stdout %s", o.code, o.raw)
	}
	if a := auditLine(t, o.stderr); a["action"] != "unenroll" || a["outcome"] != "done" || a["by"] != "admin:ops-alice" {
		t.Errorf("unenroll audit = %v", a)
	}

	o = cli(with("show")...)
	if o.code != 0 || o.stdout.Enrolled || o.stdout.Enrollment != nil {
		t.Errorf("show after unenroll: exit %d stdout %s", o.code, o.raw)
	}

	o = cli(with("unenroll")...)
	if o.code != exitFail || !strings.Contains(o.stderr, "not enrolled") {
		t.Errorf("second unenroll: exit %d stderr %q", o.code, o.stderr)
	}

	o = cli("show", "-table", table, "-user-pool-id", pool)
	if o.code != exitUsage {
		t.Errorf("usage error: exit %d", o.code)
	}
}

// auditLine returns the single JSON line on stderr.
func auditLine(t *testing.T, stderr string) map[string]any {
	t.Helper()
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(stderr), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil {
			lines = append(lines, m)
		}
	}
	if len(lines) != 1 {
		t.Fatalf("stderr has %d JSON lines, want 1:\n%s", len(lines), stderr)
	}
	return lines[0]
}

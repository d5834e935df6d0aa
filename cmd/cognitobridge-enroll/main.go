// Command cognitobridge-enroll lets an administrator read and change the
// enrollment binding a Cognito user (user pool id + Cognito sub) to a
// provider identity (issuer + the provider's sub) in the step-up table.
//
//	cognitobridge-enroll show       -table T -user-pool-id P -sub S
//	cognitobridge-enroll pre-enroll -table T -user-pool-id P -sub S -issuer I -subject X [-by WHO]
//	cognitobridge-enroll re-enroll  -table T -user-pool-id P -sub S -issuer I -subject X [-by WHO]
//	cognitobridge-enroll unenroll   -table T -user-pool-id P -sub S [-by WHO]
//
// pre-enroll refuses a user who is enrolled already; re-enroll replaces the
// enrollment; unenroll deletes it (the user's next passing step-up enrolls
// again on first use). -by defaults to "admin:$USER".
//
// AWS configuration is read the standard way (environment, shared config,
// profiles); AWS_ENDPOINT_URL_DYNAMODB points it at a local DynamoDB.
// The result is printed as JSON on stdout, the audit line of a change as
// JSON on stderr. Exit status: 0 done, 1 failed (e.g. already enrolled, not
// enrolled, AWS error), 2 usage error.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/cognitobridge/cognitobridge/lambdas/enrollment"
)

const name = "cognitobridge-enroll"

// timeout bounds one command.
const timeout = time.Minute

const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

const usage = `usage:
  ` + name + ` show       -table T -user-pool-id P -sub S
  ` + name + ` pre-enroll -table T -user-pool-id P -sub S -issuer I -subject X [-by WHO]
  ` + name + ` re-enroll  -table T -user-pool-id P -sub S -issuer I -subject X [-by WHO]
  ` + name + ` unenroll   -table T -user-pool-id P -sub S [-by WHO]
-by defaults to admin:$USER.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv, awsStore)
	stop()
	os.Exit(code)
}

// storeFunc opens the store on table with the audit logger.
type storeFunc func(ctx context.Context, table string, audit *slog.Logger) (*enrollment.Store, error)

func awsStore(ctx context.Context, table string, audit *slog.Logger) (*enrollment.Store, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("AWS configuration: %w", err)
	}
	return enrollment.NewStore(dynamodb.NewFromConfig(cfg), table, audit), nil
}

// recordJSON is a record on stdout.
type recordJSON struct {
	Issuer       string `json:"issuer"`
	Subject      string `json:"subject"`
	EnrolledAt   string `json:"enrolledAt"`
	EnrolledAtMs int64  `json:"enrolledAtMs"`
	EnrolledBy   string `json:"enrolledBy"`
}

func toJSON(r *enrollment.Record) *recordJSON {
	if r == nil {
		return nil
	}
	return &recordJSON{
		Issuer:       r.Issuer,
		Subject:      r.Subject,
		EnrolledAt:   r.EnrolledAt.UTC().Format("2006-01-02T15:04:05.000Z07:00"),
		EnrolledAtMs: r.EnrolledAt.UnixMilli(),
		EnrolledBy:   r.EnrolledBy,
	}
}

// result is the command's stdout.
type result struct {
	Action     string      `json:"action"`
	Table      string      `json:"table"`
	UserPoolID string      `json:"userPoolId"`
	Sub        string      `json:"sub"`
	Enrolled   bool        `json:"enrolled"`
	Enrollment *recordJSON `json:"enrollment,omitempty"`
	// Previous is what re-enroll replaced (null if nothing) or unenroll removed.
	Previous *recordJSON `json:"previous,omitempty"`
}

// usageError is a command line mistake (exit 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

type command struct {
	action               string
	table, pool, sub, by string
	identity             enrollment.Identity
}

// parse reads the subcommand and its flags.
func parse(args []string, getenv func(string) string) (command, error) {
	if len(args) == 0 {
		return command{}, usagef("missing subcommand")
	}
	c := command{action: args[0]}
	switch c.action {
	case "show", enrollment.ActionPreEnroll, enrollment.ActionReenroll, enrollment.ActionUnenroll:
	case "-h", "-help", "--help", "help":
		return command{}, flag.ErrHelp
	default:
		return command{}, usagef("unknown subcommand %q", c.action)
	}
	fs := flag.NewFlagSet(name+" "+c.action, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&c.table, "table", "", "DynamoDB step-up table name")
	fs.StringVar(&c.pool, "user-pool-id", "", "Cognito user pool id")
	fs.StringVar(&c.sub, "sub", "", "the user's Cognito sub")
	fs.StringVar(&c.identity.Issuer, "issuer", "", "provider issuer (pre-enroll, re-enroll)")
	fs.StringVar(&c.identity.Subject, "subject", "", "provider sub (pre-enroll, re-enroll)")
	fs.StringVar(&c.by, "by", "", `administrator (default "admin:$USER")`)
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return command{}, err
		}
		return command{}, usagef("%v", err)
	}
	if fs.NArg() > 0 {
		return command{}, usagef("unexpected argument %q", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	for _, f := range []string{"table", "user-pool-id", "sub"} {
		if !set[f] || strings.TrimSpace(fs.Lookup(f).Value.String()) == "" {
			return command{}, usagef("-%s is required", f)
		}
	}
	if _, err := enrollment.Key(c.pool, c.sub); err != nil {
		return command{}, usagef("-user-pool-id/-sub: %v", err)
	}
	writesIdentity := c.action == enrollment.ActionPreEnroll || c.action == enrollment.ActionReenroll
	for _, f := range []string{"issuer", "subject"} {
		if writesIdentity && !set[f] {
			return command{}, usagef("-%s is required for %s", f, c.action)
		}
		if !writesIdentity && set[f] {
			return command{}, usagef("-%s does not apply to %s", f, c.action)
		}
	}
	if writesIdentity && !c.identity.Valid() {
		return command{}, usagef("%v", enrollment.ErrInvalidIdentity)
	}
	if c.action == "show" {
		if set["by"] {
			return command{}, usagef("-by does not apply to show")
		}
		return c, nil
	}
	if !set["by"] {
		user := getenv("USER")
		if user == "" {
			return command{}, usagef("-by is required when $USER is not set")
		}
		c.by = enrollment.AdminPrefix + user
	}
	by, err := enrollment.AdminBy(c.by)
	if err != nil {
		return command{}, usagef("-by: %v", err)
	}
	c.by = by
	return c, nil
}

// run is the command; it returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string, open storeFunc) int {
	c, err := parse(args, getenv)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n%s", name, err, usage)
		return exitUsage
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	audit := slog.New(slog.NewJSONHandler(stderr, nil))
	store, err := open(ctx, c.table, audit)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return exitFail
	}
	res := result{Action: c.action, Table: c.table, UserPoolID: c.pool, Sub: c.sub}
	switch c.action {
	case "show":
		rec, found, err := store.Get(ctx, c.pool, c.sub)
		if err != nil {
			return fail(stderr, err)
		}
		if found {
			res.Enrolled, res.Enrollment = true, toJSON(&rec)
		}
	case enrollment.ActionPreEnroll:
		rec, err := store.PreEnroll(ctx, c.pool, c.sub, c.identity, c.by)
		if err != nil {
			return fail(stderr, err)
		}
		res.Enrolled, res.Enrollment = true, toJSON(&rec)
	case enrollment.ActionReenroll:
		rec, prev, err := store.Reenroll(ctx, c.pool, c.sub, c.identity, c.by)
		if err != nil {
			return fail(stderr, err)
		}
		res.Enrolled, res.Enrollment, res.Previous = true, toJSON(&rec), toJSON(prev)
	case enrollment.ActionUnenroll:
		prev, err := store.Unenroll(ctx, c.pool, c.sub, c.by)
		if err != nil {
			return fail(stderr, err)
		}
		res.Previous = toJSON(&prev)
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(res); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return exitFail
	}
	return exitOK
}

func fail(stderr io.Writer, err error) int {
	msg := err.Error()
	switch {
	case errors.Is(err, enrollment.ErrAlreadyEnrolled):
		msg += "; re-enroll replaces an enrollment"
	case slices.ContainsFunc([]error{enrollment.ErrInvalidKey, enrollment.ErrInvalidIdentity, enrollment.ErrInvalidAdmin}, func(e error) bool { return errors.Is(err, e) }):
		fmt.Fprintf(stderr, "%s: %s\n", name, msg)
		return exitUsage
	}
	fmt.Fprintf(stderr, "%s: %s\n", name, msg)
	return exitFail
}

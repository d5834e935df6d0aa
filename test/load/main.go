// Command load drives complete sign-ins through the real handler binaries
// (each behind its local Lambda Runtime API, test/localcognito/lambdarun),
// the local Cognito endpoint (test/localcognito, started per sample by
// test/localcognito/devstack), the loopback OpenID Provider and moto, and
// prints one line per scenario:
//
//	load: <scenario> <N> sign-ins, <C> concurrent, <X>/s, define p50 <a> p99 <b> ms, create …, verify …, pretoken …, wrong 0, aws calls/sign-in <k>, invocations/sign-in <m>
//
// then injects faults and prints one line per fault:
//
//	fault: <what failed> decision <refused|issued> expected <refused|issued> reason <code> in <ms> ms
//
// `make load` runs it; docs/measured.md has its figures. It exits 1 when a
// line says wrong (a token issued that must not be, or refused that must
// not be) or a fault's decision is not the expected one, or took longer
// than Cognito's 5 s.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/cognitobridge/cognitobridge/test/lambdaproc"
)

func main() {
	n := flag.Int("n", 200, "sign-ins per scenario and configuration")
	conc := flag.String("c", "2,8", "concurrencies (comma-separated)")
	tables := flag.String("table", "0,2000", "other users' enrollments added to the step-up table before a run (comma-separated; the step-up scenarios run at each size)")
	only := flag.String("scenarios", "", "scenarios to run (comma-separated; default all: "+scenarioNames()+")")
	hostileEvery := flag.Int("hostile-every", 5, "every k-th attempt is hostile (alternating kinds); 0: none")
	faults := flag.Bool("faults", true, "inject the faults after the load")
	logPath := flag.String("log", "", "file for the stacks' and functions' logs (default: a temporary file)")
	flag.Parse()

	cs, err := ints(*conc)
	if err != nil || len(cs) == 0 {
		fatal(fmt.Errorf("-c %q: %v", *conc, err))
	}
	ts, err := ints(*tables)
	if err != nil || len(ts) == 0 {
		fatal(fmt.Errorf("-table %q: %v", *tables, err))
	}
	// The loopback provider logs every request through slog's default.
	slog.SetDefault(slog.New(slog.DiscardHandler))

	ctx := context.Background()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		// Ctrl-C: stop every stack (moto, the functions) before leaving.
		<-sig
		closeOwners()
		fmt.Fprintln(os.Stderr, "load: interrupted")
		os.Exit(130)
	}()

	var logw io.Writer
	lp := *logPath
	if lp == "" {
		lp = filepath.Join(os.TempDir(), "cognitobridge-load.log")
	}
	lf, err := os.Create(lp)
	if err != nil {
		fatal(err)
	}
	defer lf.Close()
	logw = lf

	root, err := lambdaproc.ModuleRoot()
	if err != nil {
		fatal(err)
	}
	bins, err := os.MkdirTemp("", "cognitobridge-load-bin-")
	if err != nil {
		fatal(err)
	}
	defer os.RemoveAll(bins)
	names, err := commands(root)
	if err != nil {
		fatal(err)
	}
	fmt.Fprintf(os.Stderr, "load: building %d handler binaries; logs in %s\n", len(names), lp)
	if err := lambdaproc.Build(ctx, root, bins, names...); err != nil {
		fatal(err)
	}

	fmt.Printf("# load: %d sign-ins per line, concurrency %v, step-up table sizes %v, every %d-th attempt hostile; %s\n",
		*n, cs, ts, *hostileEvery, time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	failed := false
	var faultStack *stack
	var faultOwner *owner
	for _, sc := range scenarios {
		if *only != "" && !contains(strings.Split(*only, ","), sc.name) {
			continue
		}
		configs := [][2]int{}
		sizes := []int{ts[0]}
		if sc.table {
			sizes = ts
		}
		for _, size := range sizes {
			for _, c := range cs {
				configs = append(configs, [2]int{c, size})
			}
		}
		users := loadUsers + faultUsers
		if sc.fresh {
			users = 1
			for range configs {
				users += max(1, *n/sc.perAttempt)
			}
		}
		o := newOwner(ctx)
		t0 := time.Now()
		s, err := startStack(ctx, o, stackOptions{app: sc.app, users: users, reserved: !sc.fresh, seed: sc.seed, enroll: sc.table && sc.seed, binDir: bins, log: logw})
		if err != nil {
			o.close()
			fatal(fmt.Errorf("%s: %w", sc.app, err))
		}
		fmt.Fprintf(os.Stderr, "load: %s (%s) started in %s\n", sc.name, sc.app, time.Since(t0).Round(100*time.Millisecond))
		for _, cfg := range configs {
			label := ""
			if sc.table {
				if err := s.fillTo(ctx, cfg[1]); err != nil {
					fatal(err)
				}
				tc, err := s.countItems(ctx)
				if err != nil {
					fatal(err)
				}
				label = fmt.Sprintf("[table=%d]", tc.total)
			}
			wrong, err := runConfig(ctx, s, sc, label, *n, cfg[0], *hostileEvery)
			if err != nil {
				fatal(err)
			}
			failed = failed || wrong > 0
			if sc.table {
				tc, err := s.countItems(ctx)
				if err != nil {
					fatal(err)
				}
				fmt.Printf("  %s%s: step-up table %d items now (%d step-up records, %d enrollments); after the TTL window (%s): %d items (computed: moto keeps expired items)\n",
					sc.name, label, tc.total, tc.records, tc.enrollments, ttlWindow, tc.afterTTL)
			}
		}
		if sc.name == "stepup-oidc" && *faults {
			faultStack, faultOwner = s, o
			continue
		}
		o.close()
	}
	if *faults {
		if faultStack == nil {
			o := newOwner(ctx)
			s, err := startStack(ctx, o, stackOptions{app: "biopass-mfa", users: loadUsers + faultUsers, reserved: true, seed: true, enroll: true, binDir: bins, log: logw})
			if err != nil {
				o.close()
				fatal(err)
			}
			faultStack, faultOwner = s, o
		}
		if !runFaults(ctx, faultStack) {
			failed = true
		}
		faultOwner.close()
	}
	if failed {
		closeOwners()
		fmt.Fprintln(os.Stderr, "load: a line above is wrong (see its WRONG lines), or a fault decided otherwise than expected or outside 5 s")
		os.Exit(1)
	}
}

func scenarioNames() string {
	var out []string
	for _, s := range scenarios {
		out = append(out, s.name)
	}
	return strings.Join(out, ",")
}

func contains(list []string, s string) bool {
	for _, l := range list {
		if strings.TrimSpace(l) == s {
			return true
		}
	}
	return false
}

func ints(s string) ([]int, error) {
	var out []int
	for _, p := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || v < 0 {
			return nil, fmt.Errorf("expected non-negative whole numbers, received %q", p)
		}
		out = append(out, v)
	}
	return out, nil
}

func fatal(err error) {
	closeOwners()
	fmt.Fprintln(os.Stderr, "load:", err)
	os.Exit(2)
}

// commands lists lambdas/cmd.
func commands(root string) ([]string, error) {
	ents, err := os.ReadDir(filepath.Join(root, "lambdas", "cmd"))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		if e.IsDir() {
			out = append(out, e.Name())
		}
	}
	return out, nil
}

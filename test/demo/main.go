// Command demo runs one sample app on 127.0.0.1 without an AWS account:
// the local Cognito endpoint, moto, the loopback OpenID Provider playing
// the external provider (its login page is clickable) and the sample's web
// page, with the real trigger binaries as the synthesized template
// configures them. It seeds a demo user, prints the URL and the
// credentials, and stops everything on Ctrl-C.
//
//	make demo APP=blockid-stepup
//
// A development tool: the local endpoint follows AWS's documentation and is
// not Amazon Cognito.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cognitobridge/cognitobridge/test/localcognito/devstack"
)

func main() {
	app := flag.String("app", "blockid-stepup", "sample app (apps/<app>)")
	port := flag.Int("port", 8080, "port of the web page on 127.0.0.1 (0: any free port)")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("demo: ")

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	o := &owner{ctx: ctx}
	defer o.close()

	logPath := filepath.Join(os.TempDir(), "cognitobridge-demo-"+*app+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		log.Fatal(err)
	}
	defer logFile.Close()
	// The loopback provider and the hosted pages log every request through
	// slog: into the log file, so the terminal shows the banner and errors.
	slog.SetDefault(slog.New(slog.NewTextHandler(logFile, nil)))

	fmt.Printf("== starting %s: moto, the loopback provider, the trigger functions (go build on the first run), the local Cognito endpoint, the page\n", *app)
	start := time.Now()
	st, err := devstack.Start(ctx, o, devstack.Options{App: *app, WebPort: *port, Log: logFile})
	if err != nil {
		o.close()
		log.Fatal(err)
	}
	fmt.Printf(`
== %s is running (started in %s)

   Open        %s
%s
   Cognito     %s (local endpoint, user pool %s, app client %s)
   Provider    %s
   Logs        %s (trigger functions, with their reason codes)
%s
   Ctrl-C stops everything.
`, *app, time.Since(start).Round(100*time.Millisecond), st.WebURL,
		users(st),
		st.EndpointURL, st.Config.UserPoolID, st.ClientID, st.Provider.Issuer(), logPath, extras(st))
	<-ctx.Done()
	fmt.Println("\n== stopping")
}

// users says who signs in where: the seeded user, and every account of the
// loopback provider that works for this sample, with what it shows.
func users(st *devstack.Stack) string {
	var b strings.Builder
	if st.Proofing != nil {
		b.WriteString("   Sign up     with any email address and a password: the page fetches the emailed code\n" +
			"               from the local stack, then opens the identity check (press Finish verification,\n" +
			"               or Fail for the refusal); the seeded " + st.DemoUser + " has no proofing\n")
	} else {
		fmt.Fprintf(&b, "   Sign in     username %q, password %q\n", st.DemoUser, devstack.DemoPassword)
	}
	for i, l := range st.ProviderLogins {
		label := "At provider"
		if i > 0 {
			label = ""
		}
		fmt.Fprintf(&b, "   %-11s username %q, password %q: %s\n", label, l.Username, l.Password, l.Use)
	}
	return b.String()
}

// extras names what only some samples run.
func extras(st *devstack.Stack) string {
	var b strings.Builder
	if st.HostedURL != "" {
		fmt.Fprintf(&b, "   Domain      %s (the pool's hosted sign-in, https with a certificate made for this run:\n               open it once and accept the browser's warning)\n", st.HostedURL)
	}
	if st.APIURL != "" {
		fmt.Fprintf(&b, "   API         %s (the template's HTTP API, local)\n", st.APIURL)
	}
	return b.String()
}

// owner gives devstack (and the provider) what a test would: a context,
// cleanups run in reverse on exit, and failure reporting.
type owner struct {
	ctx      context.Context
	mu       sync.Mutex
	cleanups []func()
}

func (o *owner) Helper()                  {}
func (o *owner) Context() context.Context { return o.ctx }
func (o *owner) Cleanup(f func()) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.cleanups = append(o.cleanups, f)
}

func (o *owner) Errorf(format string, args ...any) { log.Printf(format, args...) }

// Fatalf stops what started so far and exits, as a failed test would end.
func (o *owner) Fatalf(format string, args ...any) {
	o.close()
	log.Fatalf(format, args...)
}

func (o *owner) close() {
	o.mu.Lock()
	fs := o.cleanups
	o.cleanups = nil
	o.mu.Unlock()
	for i := len(fs) - 1; i >= 0; i-- {
		fs[i]()
	}
}

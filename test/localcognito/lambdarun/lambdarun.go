// Package lambdarun runs the trigger functions of a loaded template
// (test/localcognito/template) as local processes, each one the real
// handler binary behind its own Lambda Runtime API server
// (test/runtimeapi), with the environment the template gives it and AWS
// calls sent to moto. A Runner implements localcognito.Triggers.
//
// It is for tests and for local demos alike: nothing in its API needs a
// testing.TB.
package lambdarun

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/cognitobridge/cognitobridge/test/lambdaproc"
	"github.com/cognitobridge/cognitobridge/test/localcognito"
	"github.com/cognitobridge/cognitobridge/test/localcognito/template"
	"github.com/cognitobridge/cognitobridge/test/motoserver"
	"github.com/cognitobridge/cognitobridge/test/runtimeapi"
)

// TriggerTimeout is the time Cognito gives a trigger, fixed: an invocation
// waits for the function's own Timeout, at most this long.
const TriggerTimeout = 5 * time.Second

// StartTimeout bounds how long Start waits for each function to initialize
// (to ask its Runtime API for the first event).
const StartTimeout = 15 * time.Second

// Options configures Start.
type Options struct {
	// MotoEndpoint is moto_server's endpoint ("http://127.0.0.1:PORT"):
	// the tables, secrets and SSM parameters are created there, and the
	// functions' DynamoDB, Secrets Manager and SSM calls go there.
	// Required.
	MotoEndpoint string
	// CognitoEndpoint receives the functions' Cognito user pool calls
	// (ListUsers, AdminLinkProviderForUser, ...).
	// Default: MotoEndpoint.
	CognitoEndpoint string
	// BinDir holds prebuilt binaries, one file per lambdas/cmd name, built
	// for this host with -tags lambda.norpc.
	// Default: - built once by Start into a temporary directory (see
	// lambdaproc.Build).
	BinDir string
	// ModuleDir is the directory go build runs in (inside the
	// cognitobridge module, or a module that requires it).
	// Default: - the current directory.
	ModuleDir string
	// SecretValues are the SecretString values of the template's secrets,
	// by logical id (e.g. the provider secret, contract.ProviderSecret as
	// JSON). Default for a secret without one: the value the template
	// resolved from its parameters, else a generated value for a
	// GenerateSecretString secret; a secret with none of these fails Start.
	SecretValues map[string]string
	// Env is added to every function's environment, after the template's.
	Env map[string]string
	// LogDir receives one <logical id>.log per function (its stdout and
	// stderr).
	// Default: - a temporary directory, removed by Close.
	LogDir string
	// Functions are the logical ids (keys of the pool's Functions) of the
	// functions to run, e.g. an HTTP API's authorizers and integrations.
	// Default: the trigger functions.
	Functions []string
	// SkipResources: do not create the pool's tables, secrets and SSM
	// parameters (another Runner on the same moto did).
	SkipResources bool
	// Substitute replaces, in every function's resolved environment, a
	// value equal to a key by the key's value; each replacement is logged.
	// The local stack uses it for the deployed pool's issuer
	// (https://cognito-idp.<region>.amazonaws.com/<pool id>), which is the
	// local endpoint's issuer here.
	Substitute map[string]string
	// InvokeAPI starts a loopback Lambda Invoke API (see InvokeURL) and
	// points every function's AWS_ENDPOINT_URL_LAMBDA at it, so a function
	// that invokes another of this Runner (the step-up gate invoking its
	// backend) reaches it.
	InvokeAPI bool
	// Logs, when set, receives what the runner does (resources created,
	// overridden variables, functions started; never a secret value) and
	// every function's output, each line prefixed with the function's
	// binary name.
	Logs io.Writer
}

// Runner runs a pool's trigger functions. It implements
// localcognito.Triggers.
type Runner struct {
	pool    *template.Pool
	byID    map[string]*function
	bySlot  map[localcognito.Slot]*function
	tmpDirs []string
	logs    *lineWriter
	invoke  *invokeAPI

	closeOnce sync.Once
	closeErr  error
}

var _ localcognito.Triggers = (*Runner)(nil)

// function is one function's process and Runtime API server.
type function struct {
	def     *template.Function
	bin     string
	env     []string
	logPath string
	api     *runtimeapi.Server

	mu     sync.Mutex // one invocation at a time, as one Lambda environment
	proc   *lambdaproc.Process
	follow chan struct{} // closed at Close: stops copying the log to Options.Logs
	copied chan struct{} // closed when the copying has stopped
	final  []byte        // the log, kept at Close
	starts int           // processes started (see Invocations)
}

// Start creates the pool's resources in moto, builds (or finds) the
// trigger binaries and starts one process per trigger function. On error
// everything started is stopped.
func Start(ctx context.Context, pool *template.Pool, opts Options) (_ *Runner, err error) {
	if pool == nil {
		return nil, errors.New("lambdarun: no pool")
	}
	if opts.MotoEndpoint == "" {
		return nil, errors.New("lambdarun: Options.MotoEndpoint is required")
	}
	r := &Runner{pool: pool, byID: map[string]*function{}, bySlot: map[localcognito.Slot]*function{}}
	if opts.Logs != nil {
		r.logs = &lineWriter{w: opts.Logs}
	}
	defer func() {
		if err != nil {
			_ = r.Close()
		}
	}()

	if !opts.SkipResources {
		if err := createResources(ctx, pool, opts, r.logf); err != nil {
			return nil, err
		}
	}

	// The functions: one per logical id, whatever the number of slots.
	var binaries []string
	if opts.Functions == nil {
		for _, slot := range sortedSlots(pool.Triggers) {
			def := pool.Triggers[slot]
			f, ok := r.byID[def.LogicalID]
			if !ok {
				f = &function{def: def}
				r.byID[def.LogicalID] = f
				binaries = appendNew(binaries, def.Binary)
			}
			r.bySlot[slot] = f
		}
	}
	for _, id := range opts.Functions {
		def, ok := pool.Functions[id]
		if !ok {
			return nil, fmt.Errorf("lambdarun: Options.Functions: %s is not a function of the pool", id)
		}
		if _, ok := r.byID[id]; !ok {
			r.byID[id] = &function{def: def}
			binaries = appendNew(binaries, def.Binary)
		}
	}
	if opts.InvokeAPI {
		inv, err := startInvokeAPI(r)
		if err != nil {
			return nil, err
		}
		r.invoke = inv
		r.logf("Lambda Invoke API (loopback fake) at %s", inv.url)
	}
	binDir := opts.BinDir
	if binDir == "" && len(binaries) > 0 {
		dir, err := os.MkdirTemp("", "lambdarun-bin-")
		if err != nil {
			return nil, err
		}
		r.tmpDirs = append(r.tmpDirs, dir)
		r.logf("building %s", strings.Join(binaries, ", "))
		if err := lambdaproc.Build(ctx, opts.ModuleDir, dir, binaries...); err != nil {
			return nil, err
		}
		binDir = dir
	}
	logDir := opts.LogDir
	if logDir == "" {
		dir, err := os.MkdirTemp("", "lambdarun-logs-")
		if err != nil {
			return nil, err
		}
		r.tmpDirs = append(r.tmpDirs, dir)
		logDir = dir
	} else if err := os.MkdirAll(logDir, 0o755); err != nil {
		return nil, err
	}
	home, err := os.MkdirTemp("", "lambdarun-home-")
	if err != nil {
		return nil, err
	}
	r.tmpDirs = append(r.tmpDirs, home)

	for _, id := range slices.Sorted(maps.Keys(r.byID)) {
		f := r.byID[id]
		f.bin = filepath.Join(binDir, f.def.Binary)
		if _, err := os.Stat(f.bin); err != nil {
			return nil, fmt.Errorf("lambdarun: function %s: binary %s: %w", id, f.def.Binary, err)
		}
		f.logPath = filepath.Join(logDir, id+".log")
		if f.api, err = runtimeapi.New(); err != nil {
			return nil, fmt.Errorf("lambdarun: function %s: %w", id, err)
		}
		var substituted []string
		f.env, substituted = lambdaEnv(pool, f.def, f.api.Addr(), home, opts, r.InvokeURL())
		for _, k := range f.def.Overridden {
			r.logf("function %s (%s): %s overridden", id, f.def.Binary, k)
		}
		for _, k := range substituted {
			r.logf("function %s (%s): %s substituted: %s -> %s", id, f.def.Binary, k, f.def.Environment[k], opts.Substitute[f.def.Environment[k]])
		}
		lf, err := os.OpenFile(f.logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
		if err != nil {
			return nil, err
		}
		_ = lf.Close()
		if err := f.start(r.logs); err != nil {
			return nil, fmt.Errorf("lambdarun: function %s: %w", id, err)
		}
	}
	// Each function initializes (reads its configuration, fails fast on a
	// bad one) before its first event: wait for that, so a misconfigured
	// function fails Start, not the first sign-in.
	deadline := time.Now().Add(StartTimeout)
	for _, id := range slices.Sorted(maps.Keys(r.byID)) {
		f := r.byID[id]
		for f.api.NextCalls() == 0 {
			if b := f.api.InitError(); b != nil {
				return nil, fmt.Errorf("lambdarun: function %s (%s) failed to initialize: %s\n%s", id, f.def.Binary, b, tail(f.output()))
			}
			select {
			case <-f.proc.Exited():
				return nil, fmt.Errorf("lambdarun: function %s (%s) exited at start\n%s", id, f.def.Binary, tail(f.output()))
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(20 * time.Millisecond):
			}
			if time.Now().After(deadline) {
				return nil, fmt.Errorf("lambdarun: function %s (%s) did not start within %s\n%s", id, f.def.Binary, StartTimeout, tail(f.output()))
			}
		}
		r.logf("function %s (%s) ready, runtime API %s", id, f.def.Binary, f.api.Addr())
	}
	return r, nil
}

// Has reports whether the pool has a function in slot.
func (r *Runner) Has(slot localcognito.Slot) bool { _, ok := r.bySlot[slot]; return ok }

// Invoke runs slot's function with event, one invocation at a time per
// function, and returns its response. The function's error document, a
// timeout (its Timeout, at most TriggerTimeout) or a crash is
// localcognito.ErrTriggerFailed; a timed-out or crashed environment is
// replaced by a fresh process, as Lambda does.
func (r *Runner) Invoke(ctx context.Context, slot localcognito.Slot, event []byte) ([]byte, error) {
	f, ok := r.bySlot[slot]
	if !ok {
		return nil, fmt.Errorf("lambdarun: the pool has no %s trigger", slot)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	select {
	case <-f.proc.Exited():
		if err := f.start(r.logs); err != nil {
			return nil, fmt.Errorf("lambdarun: restart %s: %w", f.def.LogicalID, err)
		}
	default:
	}
	timeout := min(f.def.Timeout, TriggerTimeout)
	ictx, cancel, exited := f.watchExit(ctx)
	defer cancel()
	resp, isErr, err := f.api.Invoke(ictx, event, timeout)
	switch {
	case err == nil && isErr:
		var doc struct {
			ErrorType    string `json:"errorType"`
			ErrorMessage string `json:"errorMessage"`
		}
		_ = json.Unmarshal(resp, &doc)
		// The text after ErrTriggerFailed is the function's errorMessage:
		// Cognito shows it to the client ("<Trigger> failed with error
		// <errorMessage>."), e.g. a pre sign-up refusal's user message.
		if doc.ErrorMessage != "" {
			return nil, fmt.Errorf("%w: %s", localcognito.ErrTriggerFailed, doc.ErrorMessage)
		}
		return nil, fmt.Errorf("%w: %s (%s) returned an error (%s)", localcognito.ErrTriggerFailed, slot, f.def.Binary, doc.ErrorType)
	case err == nil:
		return resp, nil
	case errors.Is(err, runtimeapi.ErrTimedOut):
		f.kill()
		return nil, fmt.Errorf("%w: %s (%s) timed out after %s", localcognito.ErrTriggerFailed, slot, f.def.Binary, timeout)
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case isClosed(exited):
		return nil, fmt.Errorf("%w: %s (%s) exited during the invocation\n%s", localcognito.ErrTriggerFailed, slot, f.def.Binary, tail(f.output()))
	case strings.Contains(err.Error(), "init error"):
		f.kill()
		return nil, fmt.Errorf("%w: %s (%s): %v", localcognito.ErrTriggerFailed, slot, f.def.Binary, err)
	}
	return nil, fmt.Errorf("lambdarun: %s: %w", slot, err)
}

// watchExit returns ctx, cancelled also when f's current process exits,
// and that process's exit channel. The caller holds f.mu.
func (f *function) watchExit(ctx context.Context) (context.Context, context.CancelFunc, <-chan struct{}) {
	ictx, cancel := context.WithCancel(ctx)
	exited := f.proc.Exited()
	go func() {
		select {
		case <-exited:
			cancel()
		case <-ictx.Done():
		}
	}()
	return ictx, cancel, exited
}

// InvokeFunction runs the function logicalID (one this Runner runs) with
// payload, one invocation at a time per function, waiting at most the
// function's Timeout, and returns its response; functionError is set when
// the function answered with an error document (out is that document). A
// timed-out or crashed environment is replaced by a fresh process, as
// Lambda does, and is an error.
func (r *Runner) InvokeFunction(ctx context.Context, logicalID string, payload []byte) (out []byte, functionError bool, err error) {
	f, ok := r.byID[logicalID]
	if !ok {
		return nil, false, fmt.Errorf("lambdarun: function %s is not run by this runner", logicalID)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	select {
	case <-f.proc.Exited():
		if err := f.start(r.logs); err != nil {
			return nil, false, fmt.Errorf("lambdarun: restart %s: %w", logicalID, err)
		}
	default:
	}
	ictx, cancel, exited := f.watchExit(ctx)
	defer cancel()
	resp, isErr, err := f.api.Invoke(ictx, payload, f.def.Timeout)
	switch {
	case err == nil:
		return resp, isErr, nil
	case errors.Is(err, runtimeapi.ErrTimedOut):
		f.kill()
		return nil, false, fmt.Errorf("lambdarun: %s (%s) timed out after %s: %w", logicalID, f.def.Binary, f.def.Timeout, err)
	case ctx.Err() != nil:
		return nil, false, ctx.Err()
	case isClosed(exited):
		return nil, false, fmt.Errorf("lambdarun: %s (%s) exited during the invocation", logicalID, f.def.Binary)
	case strings.Contains(err.Error(), "init error"):
		f.kill()
	}
	return nil, false, fmt.Errorf("lambdarun: %s: %w", logicalID, err)
}

// FunctionLogs returns everything the function logicalID wrote so far.
func (r *Runner) FunctionLogs(logicalID string) string {
	f, ok := r.byID[logicalID]
	if !ok {
		return ""
	}
	return f.output()
}

// Logs returns everything slot's function wrote so far (its JSON log
// lines carry the handlers' "reason" codes).
func (r *Runner) Logs(slot localcognito.Slot) string {
	f, ok := r.bySlot[slot]
	if !ok {
		return ""
	}
	return f.output()
}

// Functions lists the running functions' logical ids, binaries and log
// files, for a demo to print.
func (r *Runner) Functions() []FunctionInfo {
	var out []FunctionInfo
	for _, id := range slices.Sorted(maps.Keys(r.byID)) {
		f := r.byID[id]
		info := FunctionInfo{LogicalID: id, Binary: f.def.Binary, LogPath: f.logPath}
		for slot, g := range r.bySlot {
			if g == f {
				info.Slots = append(info.Slots, slot)
			}
		}
		sort.Slice(info.Slots, func(i, j int) bool { return info.Slots[i] < info.Slots[j] })
		out = append(out, info)
	}
	return out
}

// FunctionInfo describes one running function.
type FunctionInfo struct {
	LogicalID, Binary, LogPath string
	Slots                      []localcognito.Slot
}

// Close stops every function and Runtime API server and removes the
// temporary directories (logs stay readable through Logs).
func (r *Runner) Close() error {
	r.closeOnce.Do(func() {
		if r.invoke != nil {
			r.invoke.close()
		}
		for _, f := range r.byID {
			if f.api != nil {
				_ = f.api.Close() // releases an Invoke in progress (ErrStopped)
			}
			f.mu.Lock()
			f.kill()
			if f.logPath != "" {
				f.final, _ = os.ReadFile(f.logPath)
			}
			if f.follow != nil {
				close(f.follow)
				<-f.copied
			}
			f.mu.Unlock()
		}
		var errs []error
		for _, d := range r.tmpDirs {
			errs = append(errs, os.RemoveAll(d))
		}
		r.closeErr = errors.Join(errs...)
	})
	return r.closeErr
}

func (r *Runner) logf(format string, a ...any) {
	if r.logs != nil {
		r.logs.line("lambdarun", fmt.Sprintf(format, a...))
	}
}

// start starts the function's process (f.mu held, or before any Invoke).
// Logs is fed by following the process's log file.
func (f *function) start(logs *lineWriter) error {
	proc, err := lambdaproc.Start(f.bin, f.env, f.logPath)
	if err != nil {
		return err
	}
	f.proc = proc
	f.starts++
	if logs != nil && f.follow == nil {
		f.follow, f.copied = make(chan struct{}), make(chan struct{})
		go func() {
			defer close(f.copied)
			followFile(f.logPath, logs.prefixed(f.def.Binary), f.follow)
		}()
	}
	return nil
}

// followFile copies what is appended to path to w until stop is closed
// (and once more then).
func followFile(path string, w io.Writer, stop chan struct{}) {
	var off int64
	copyNew := func() {
		fh, err := os.Open(path)
		if err != nil {
			return
		}
		defer fh.Close()
		if _, err := fh.Seek(off, io.SeekStart); err != nil {
			return
		}
		n, _ := io.Copy(w, fh)
		off += n
	}
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-stop:
			copyNew()
			return
		case <-t.C:
			copyNew()
		}
	}
}

// kill stops the process, if started, and waits for it.
func (f *function) kill() {
	if f.proc != nil {
		f.proc.Kill()
	}
}

func (f *function) output() string {
	if f.final != nil {
		return string(f.final)
	}
	b, _ := os.ReadFile(f.logPath)
	return string(b)
}

func isClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// lambdaEnv is a function process's environment: the Lambda runtime
// variables, dummy credentials, an empty HOME, the endpoints, the
// template's resolved variables and opts.Env. Nothing is inherited.
func lambdaEnv(pool *template.Pool, def *template.Function, runtimeAPI, home string, opts Options, invokeURL string) (_ []string, substituted []string) {
	cognito := opts.CognitoEndpoint
	if cognito == "" {
		cognito = opts.MotoEndpoint
	}
	env := lambdaproc.Runtime{
		API: runtimeAPI, FunctionName: functionName(pool, def), MemoryMB: def.MemorySize,
		Handler: def.Handler, Region: pool.Region, Home: home,
	}.Env()
	// Every AWS call goes to moto (or the local Cognito endpoint), never
	// to AWS.
	for _, k := range []string{"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_SECRETS_MANAGER", "AWS_ENDPOINT_URL_SSM"} {
		env[k] = opts.MotoEndpoint
	}
	env["AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER"] = cognito
	if invokeURL != "" {
		env["AWS_ENDPOINT_URL_LAMBDA"] = invokeURL
	}
	for _, k := range slices.Sorted(maps.Keys(def.Environment)) {
		v := def.Environment[k]
		if to, ok := opts.Substitute[v]; ok {
			v = to
			substituted = append(substituted, k)
		}
		env[k] = v
	}
	for k, v := range opts.Env {
		env[k] = v
	}
	return lambdaproc.Environ(env), substituted
}

func functionName(pool *template.Pool, def *template.Function) string {
	if def.Name != "" {
		return def.Name
	}
	return pool.StackName + "-" + def.LogicalID
}

// createResources creates the pool's tables, secrets and SSM parameters in
// moto. An existing one is reused (tables) or overwritten (secret values,
// parameters), so a demo can run twice against one moto.
func createResources(ctx context.Context, pool *template.Pool, opts Options, logf func(string, ...any)) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	endpoint := aws.String(opts.MotoEndpoint)
	ddb := dynamodb.New(dynamodb.Options{Region: pool.Region, BaseEndpoint: endpoint, Credentials: motoserver.Credentials, RetryMaxAttempts: 2})
	for _, t := range pool.Tables {
		in := &dynamodb.CreateTableInput{
			TableName:   aws.String(t.Name),
			BillingMode: ddbtypes.BillingModePayPerRequest,
			AttributeDefinitions: []ddbtypes.AttributeDefinition{{
				AttributeName: aws.String(t.PartitionKey), AttributeType: ddbtypes.ScalarAttributeType(t.PartitionKeyType)}},
			KeySchema: []ddbtypes.KeySchemaElement{{AttributeName: aws.String(t.PartitionKey), KeyType: ddbtypes.KeyTypeHash}},
		}
		if t.SortKey != "" {
			in.AttributeDefinitions = append(in.AttributeDefinitions, ddbtypes.AttributeDefinition{
				AttributeName: aws.String(t.SortKey), AttributeType: ddbtypes.ScalarAttributeType(t.SortKeyType)})
			in.KeySchema = append(in.KeySchema, ddbtypes.KeySchemaElement{AttributeName: aws.String(t.SortKey), KeyType: ddbtypes.KeyTypeRange})
		}
		_, err := ddb.CreateTable(ctx, in)
		var inUse *ddbtypes.ResourceInUseException
		switch {
		case errors.As(err, &inUse):
			logf("table %s exists, reused", t.Name)
		case err != nil:
			return fmt.Errorf("lambdarun: create table %s (%s): %w", t.Name, t.LogicalID, err)
		default:
			logf("table %s created", t.Name)
		}
		if t.TTLAttribute != "" {
			if _, err := ddb.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
				TableName:               aws.String(t.Name),
				TimeToLiveSpecification: &ddbtypes.TimeToLiveSpecification{AttributeName: aws.String(t.TTLAttribute), Enabled: aws.Bool(true)},
			}); err != nil && !errors.As(err, &inUse) && !strings.Contains(err.Error(), "already enabled") {
				return fmt.Errorf("lambdarun: table %s time to live: %w", t.Name, err)
			}
		}
	}
	sm := secretsmanager.New(secretsmanager.Options{Region: pool.Region, BaseEndpoint: endpoint, Credentials: motoserver.Credentials, RetryMaxAttempts: 2})
	for _, s := range pool.Secrets {
		value, source, err := secretValue(s, opts.SecretValues)
		if err != nil {
			return err
		}
		_, err = sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(s.Name), SecretString: aws.String(value), Description: aws.String(s.Description)})
		var exists *smtypes.ResourceExistsException
		if errors.As(err, &exists) {
			_, err = sm.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String(s.Name), SecretString: aws.String(value)})
		}
		if err != nil {
			return fmt.Errorf("lambdarun: create secret %s (%s): %w", s.Name, s.LogicalID, err)
		}
		logf("secret %s created (value %s)", s.Name, source)
	}
	ps := ssm.New(ssm.Options{Region: pool.Region, BaseEndpoint: endpoint, Credentials: motoserver.Credentials, RetryMaxAttempts: 2})
	for _, p := range pool.SSMParameters {
		if _, err := ps.PutParameter(ctx, &ssm.PutParameterInput{
			Name: aws.String(p.Name), Type: ssmtypes.ParameterType(p.Type), Value: aws.String(p.Value), Overwrite: aws.Bool(true),
		}); err != nil {
			return fmt.Errorf("lambdarun: put SSM parameter %s (%s): %w", p.Name, p.LogicalID, err)
		}
		if p.Type == string(ssmtypes.ParameterTypeSecureString) {
			logf("SSM parameter %s (SecureString) put", p.Name)
		} else {
			logf("SSM parameter %s = %s", p.Name, p.Value)
		}
	}
	return nil
}

// secretValue picks a secret's value: the caller's, the template's, or a
// generated one. source says which, for the log (never the value).
func secretValue(s template.Secret, given map[string]string) (value, source string, err error) {
	if v, ok := given[s.LogicalID]; ok {
		return v, "supplied by the caller", nil
	}
	if s.HasValue {
		return s.Value, "from the template's parameters", nil
	}
	if g := s.Generate; g != nil {
		v, err := generate(*g)
		return v, "generated", err
	}
	return "", "", fmt.Errorf("lambdarun: secret %s (%s) needs a value: set Options.SecretValues[%q]", s.Name, s.LogicalID, s.LogicalID)
}

// generate follows GenerateSecretString: PasswordLength characters, letters
// and digits, plus punctuation unless excluded.
func generate(g template.Generate) (string, error) {
	alphabet := "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	if !g.ExcludePunctuation {
		alphabet += "!#$%&()*+,-.:;<=>?@[]^_{|}~"
	}
	var filtered []rune
	for _, c := range alphabet {
		if !strings.ContainsRune(g.ExcludeCharacters, c) {
			filtered = append(filtered, c)
		}
	}
	if len(filtered) == 0 || g.Length <= 0 {
		return "", errors.New("lambdarun: GenerateSecretString leaves nothing to generate")
	}
	out := make([]rune, g.Length)
	for i := range out {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(filtered))))
		if err != nil {
			return "", err
		}
		out[i] = filtered[n.Int64()]
	}
	return string(out), nil
}

// lineWriter writes whole lines with a prefix to one writer.
type lineWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lineWriter) line(prefix, s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.w, "[%s] %s\n", prefix, s)
}

// prefixed returns a writer that sends each complete line to l.
func (l *lineWriter) prefixed(prefix string) io.Writer {
	return &prefixWriter{l: l, prefix: prefix}
}

type prefixWriter struct {
	l      *lineWriter
	prefix string
	buf    bytes.Buffer
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.buf.Write(b)
	for {
		data := p.buf.Bytes()
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			break
		}
		p.l.line(p.prefix, string(data[:i]))
		p.buf.Next(i + 1)
	}
	return len(b), nil
}

func tail(s string) string {
	const max = 4000
	if len(s) > max {
		return "..." + s[len(s)-max:]
	}
	return s
}

// appendNew appends name unless s holds it: two functions may share a binary,
// which is built once.
func appendNew(s []string, name string) []string {
	if slices.Contains(s, name) {
		return s
	}
	return append(s, name)
}

func sortedSlots[V any](m map[localcognito.Slot]V) []localcognito.Slot {
	keys := make([]localcognito.Slot, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	return keys
}

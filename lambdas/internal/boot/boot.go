// Package boot is the start-up code shared by the handler commands
// (lambdas/cmd/*): the JSON logger, the fail-fast exit on an invalid
// configuration and the AWS clients' configuration. A command reads its
// configuration once; any error stops the start with one JSON line
// {"msg":…,"reason":"config_invalid","error":…} and exit code 1, before
// the Lambda runtime is polled.
package boot

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/logref"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/secretcache"
)

// ReasonConfigInvalid is the reason code of every start-up failure.
const ReasonConfigInvalid = "config_invalid"

// Messages of the start-up failure lines.
const (
	MsgConfigInvalid  = "configuration invalid"
	MsgAWSUnavailable = "AWS configuration unavailable"
)

// Logger is the JSON logger (stderr) of the command and its handler.
var Logger = slog.New(slog.NewJSONHandler(os.Stderr, nil))

// Every line a handler process writes is a JSON record: aws-lambda-go
// reports a handler's error through the standard log package, which
// slog.SetDefault routes through Logger.
func init() { slog.SetDefault(Logger) }

// exit ends the process; tests replace it.
var exit = os.Exit

// Fail logs msg with reason config_invalid and err, then exits 1.
func Fail(msg string, err error) {
	Logger.Error(msg, "reason", ReasonConfigInvalid, "error", err.Error())
	exit(1)
}

// Must returns v, or fails the start with MsgConfigInvalid when err is not
// nil.
func Must[T any](v T, err error) T {
	if err != nil {
		Fail(MsgConfigInvalid, err)
	}
	return v
}

// LoadAWS loads the default AWS configuration (environment, Lambda role).
func LoadAWS() (aws.Config, error) {
	return config.LoadDefaultConfig(context.Background())
}

// AWS returns the default AWS configuration, or fails the start with
// MsgAWSUnavailable.
func AWS() aws.Config {
	cfg, err := LoadAWS()
	if err != nil {
		Fail(MsgAWSUnavailable, err)
	}
	return cfg
}

// Secrets returns a cache of the Secrets Manager secret secretARN, kept
// for ttl.
func Secrets(awsCfg aws.Config, secretARN string, ttl time.Duration) *secretcache.Cache {
	return secretcache.New(secretsmanager.NewFromConfig(awsCfg), secretARN, ttl)
}

// LogRefKeyTTL is how long the log reference key is reused before it is
// fetched again.
const LogRefKeyTTL = logref.DefaultTTL

// logRefFetchTimeout bounds the fetch of the key at start.
const logRefFetchTimeout = 2 * time.Second

// LogRefs installs the deployment's log reference key for logref.Ref: the
// Secrets Manager secret named by contract.EnvLogRefKeySecretARN, cached for
// LogRefKeyTTL. Without the variable, references stay keyed with the
// process's random key. A fetch that fails at start does not stop it: the
// line "log reference key unavailable" is logged and the key is fetched
// again later (see logref.Keyring).
func LogRefs() { installLogRefs(os.Getenv, LoadAWS) }

func installLogRefs(getenv func(string) string, load func() (aws.Config, error)) *logref.Keyring {
	arn := strings.TrimSpace(getenv(contract.EnvLogRefKeySecretARN))
	if arn == "" {
		return nil
	}
	cfg, err := load()
	if err != nil {
		Logger.Warn("log reference key unavailable", "reason", "aws_config", "error", err.Error())
		return nil
	}
	return installKeyring(secretcache.New(secretsmanager.NewFromConfig(cfg), arn, LogRefKeyTTL))
}

// installKeyring loads the key from cache once and installs the keyring.
func installKeyring(cache *secretcache.Cache) *logref.Keyring {
	k := logref.NewKeyring(cache.Value, LogRefKeyTTL)
	ctx, cancel := context.WithTimeout(context.Background(), logRefFetchTimeout)
	defer cancel()
	if err := k.Load(ctx); err != nil {
		// The error names the secret operation, never the value.
		Logger.Warn("log reference key unavailable", "reason", "secret_unavailable", "error", err.Error())
	}
	logref.Use(k)
	return k
}

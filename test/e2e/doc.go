// Package e2e runs the step-up trigger binaries end to end: each real
// handler binary (lambdas/cmd/stepup-*) is built for the host, run as a
// process against a local Lambda Runtime API (test/runtimeapi), reads its
// provider secret from moto_server through the real AWS SDK, and talks to a
// certified OpenID Provider on loopback (test/oidcpeer), while a small fake
// of Amazon Cognito's custom-auth orchestration drives the sign-in.
//
// All of it lives in _test.go files; this file only names the package.
package e2e

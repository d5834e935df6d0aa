// Package conformance is a second reader of the Amazon Cognito
// documentation: black-box probes, each a named scenario run through a real
// client (the AWS SDK for Go v2, amazon-cognito-identity-js 6.3.21 and the
// pinned aws-amplify 6.22.1 in Node), against a Target: the local endpoint
// (test/localcognito, our own reading of the docs), moto's cognito-idp
// (moto_server, a reading written by others) and, when a user asks for it,
// a real user pool.
//
// Each probe returns an observation ("ok", an error type, or a fact such as
// "id and access token kids differ") and states what Cognito's
// documentation makes it observe, with the page that decides it.
// TestConformance runs every probe against the local endpoint and moto and
// compares:
//
//   - the local endpoint must observe what the documentation says, except
//     the probes of WaitingOnBranch (features being added on other
//     branches; the list must shrink, and a listed probe that passes fails
//     the test until it is removed);
//   - every probe's observations on both are the table in
//     docs/conformance.md: a difference that is not in the table, or a
//     listed one that no longer occurs, fails the test, which prints the
//     table to commit (go test ./test/conformance -update writes it).
//
// Set-up goes through the administrative API where the target serves it
// (CreateUserPool, CreateUserPoolClient, SetUserPoolMfaConfig,
// AdminCreateUser, AdminSetUserPassword with Permanent), so the same probes
// run against a real pool. The local endpoint is started in-process with a
// localcognito.Config equal in every setting that matters (LocalConfig).
//
// # Against a real user pool
//
// Nothing here has run against AWS. To run it yourself, with credentials
// allowed to create and delete user pools in a test account (the default
// AWS credential chain: environment, shared config, SSO):
//
//	COGNITOBRIDGE_CONFORMANCE_REGION=eu-west-1 go test -count=1 -run TestConformanceAWS ./test/conformance -v
//
// COGNITOBRIDGE_CONFORMANCE_ENDPOINT overrides the endpoint (default: the
// region's). The suite creates two throw-away pools (the probes need exact
// settings, and an MFA-required pool cannot share users with the others),
// signs users up at example.com addresses (Cognito may try to send them
// email: use a sandbox account), and deletes the pools at the end. Probes
// that need a code Cognito mails (ForgotPassword, attribute verification)
// or a clock the suite controls (the session validity) report that they
// could not run. The test fails where the real pool observes something
// other than the documented expectation: that is a mistake in our reading
// of the docs, to be fixed in the probe's Want and in test/localcognito.
package conformance

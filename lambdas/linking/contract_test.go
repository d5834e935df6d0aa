package linking_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/cognitobridge/cognitobridge/lambdas/linking"
	"github.com/cognitobridge/cognitobridge/lambdas/presignup"
)

// externalEvent is shaped like the PreSignUp_ExternalProvider event
// Cognito sends (developer guide, pre sign-up trigger).
const externalEvent = `{
  "version": "1",
  "triggerSource": "PreSignUp_ExternalProvider",
  "region": "us-east-1",
  "userPoolId": "us-east-1_AbCdEf123",
  "userName": "corp_eu_8f2c0d6e-1b7a-4c1e-9f55-6d2b0e3c7a11",
  "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": "1example23456789"},
  "request": {
    "userAttributes": {
      "email": "Alice@Example.com",
      "email_verified": "true",
      "cognito:email_alias": "",
      "cognito:phone_number_alias": ""
    },
    "validationData": {}
  },
  "response": {"autoConfirmUser": false, "autoVerifyEmail": false, "autoVerifyPhone": false}
}`

// pipeline is the pre sign-up handler with the linking behaviour, every
// provider trusted for email verification (the automatic linking rules).
func pipeline(f *fakeCognito, logs *bytes.Buffer) *presignup.Handler {
	b, err := linking.New(f, linking.Config{Providers: providers, MaxIdentities: 5, TrustedProviders: providers})
	if err != nil {
		panic(err)
	}
	b.Logger = slog.New(slog.NewJSONHandler(logs, nil))
	h := presignup.New(b)
	h.Logger = slog.New(slog.NewJSONHandler(logs, nil))
	return h
}

func TestContractThroughLambdaHandler(t *testing.T) {
	var logs bytes.Buffer
	f := &fakeCognito{users: []fakeUser{alice}}
	// Linked: the sign-up goes on, and Cognito signs the person in to the
	// native profile it is now linked to.
	if _, err := lambda.NewHandler(pipeline(f, &logs).Handle).Invoke(context.Background(), []byte(externalEvent)); err != nil {
		t.Fatalf("linked: %v", err)
	}
	checkLink(t, f.links, [3]string{"alice-native", "corp_eu", "8f2c0d6e-1b7a-4c1e-9f55-6d2b0e3c7a11"})
	if strings.Contains(logs.String(), "lice@") || strings.Contains(logs.String(), "8f2c0d6e") {
		t.Fatalf("email or subject logged: %s", logs.String())
	}
	if n := strings.Count(logs.String(), "\n"); n != 2 {
		t.Fatalf("want one behaviour line and one handler line: %s", logs.String())
	}

	// No candidate: the event comes back, Cognito's response fields intact.
	f = &fakeCognito{}
	out, err := lambda.NewHandler(pipeline(f, &logs).Handle).Invoke(context.Background(), []byte(externalEvent))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatal(err)
	}
	resp, _ := m["response"].(map[string]any)
	if len(resp) != 3 || resp["autoConfirmUser"] != false || m["userName"] != "corp_eu_8f2c0d6e-1b7a-4c1e-9f55-6d2b0e3c7a11" {
		t.Fatalf("response: %s", out)
	}

	// Ambiguous: Cognito gets the user-facing message.
	f = &fakeCognito{users: []fakeUser{alice, {name: "alice-2", email: "alice@example.com", verified: "true"}}}
	if _, err := lambda.NewHandler(pipeline(f, &logs).Handle).Invoke(context.Background(), []byte(externalEvent)); err == nil || err.Error() != linking.MsgAmbiguous {
		t.Fatalf("ambiguous: %v", err)
	}
}

// fuzzUsers is the pool the fuzz target searches; the backend folds
// Unicode case (more lenient than Cognito) so that only the behaviour's
// own checks stand between an event and a wrong link.
var fuzzUsers = []fakeUser{
	alice,
	{name: "bob", email: "bob@example.com", verified: "false"},
	{name: "dup-1", email: "dup@example.com", verified: "true"},
	{name: "dup-2", email: "DUP@example.com", verified: "true"},
	{name: "ext", email: "ext@example.com", verified: "true", external: true},
	{name: "kim", email: "kim@example.com", verified: "true"},
	{name: "quote", email: `q"\@example.com`, verified: "true"},
	{name: "full", email: "full@example.com", verified: "true", identities: `[{"providerName":"a"},{"providerName":"b"},{"providerName":"c"},{"providerName":"d"},{"providerName":"e"}]`},
	{name: "g", email: "g@example.com", verified: "true", identities: `[{"providerName":"Google","userId":"1"}]`},
}

// FuzzPreSignUpEvent feeds arbitrary event JSON through the Lambda
// handler: it never panics, every filter it sends parses back to the
// event's email, and it links only for PreSignUp_ExternalProvider of a
// configured provider with email_verified "true" and exactly one native,
// verified user whose email equals ignoring ASCII case.
func FuzzPreSignUpEvent(f *testing.F) {
	f.Add([]byte(externalEvent))
	for _, s := range []string{
		strings.Replace(externalEvent, "Alice@Example.com", "dup@example.com", 1),
		strings.Replace(externalEvent, "Alice@Example.com", `q\"\\@example.com`, 1),
		strings.Replace(externalEvent, "Alice@Example.com", `\u212aim@example.com`, 1),
		strings.Replace(externalEvent, `"email_verified": "true"`, `"email_verified": "True"`, 1),
		strings.Replace(externalEvent, "PreSignUp_ExternalProvider", "PreSignUp_SignUp", 1),
		strings.Replace(externalEvent, "corp_eu_", "Google_", 1),
		`{"triggerSource":"PreSignUp_ExternalProvider","userName":"Google_1","request":{"userAttributes":{"email":"g@example.com","email_verified":"true"}}}`,
		`{"triggerSource":"PreSignUp_ExternalProvider","userName":"corp_1","request":{"userAttributes":{"email":"full@example.com","email_verified":"true"}}}`,
		`{"triggerSource":"PreSignUp_ExternalProvider","request":null}`,
		`null`, `[]`, `{"request":{"userAttributes":{"email":1}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		fc := &fakeCognito{users: fuzzUsers, match: strings.EqualFold}
		var logs bytes.Buffer
		_, _ = lambda.NewHandler(pipeline(fc, &logs).Handle).Invoke(context.Background(), payload)
		if strings.Contains(logs.String(), `"reason":"panic"`) || strings.Contains(logs.String(), `"reason":"internal_error"`) {
			t.Fatalf("panic or internal error: %s", logs.String())
		}
		var ev presignup.Event
		if len(fc.filters) > 0 || len(fc.links) > 0 {
			if err := json.NewDecoder(bytes.NewReader(payload)).Decode(&ev); err != nil {
				t.Fatalf("called Cognito for an event it could not decode: %v", err)
			}
		}
		email := ev.Request.UserAttributes["email"]
		for _, flt := range fc.filters {
			_, _, v, err := parseFilter(flt)
			if err != nil || (v != email && v != linking.LowerASCII(email)) {
				t.Fatalf("filter %q does not carry the email %q: %v", flt, email, err)
			}
		}
		if len(fc.links) == 0 {
			return
		}
		if len(fc.links) > 1 || ev.TriggerSource != presignup.TriggerExternalProvider || ev.Request.UserAttributes["email_verified"] != "true" {
			t.Fatalf("linked %d without the preconditions: %s", len(fc.links), payload)
		}
		var match []string
		for _, u := range fuzzUsers {
			if !u.external && u.verified == "true" && linking.EqualFoldASCII(u.email, email) {
				match = append(match, u.name)
			}
		}
		provider, subject, ok := linking.ParseUserName(ev.UserName, providers)
		in := fc.links[0]
		if !ok || len(match) != 1 || aws.ToString(in.DestinationUser.ProviderAttributeValue) != match[0] ||
			aws.ToString(in.SourceUser.ProviderName) != provider || aws.ToString(in.SourceUser.ProviderAttributeValue) != subject ||
			aws.ToString(in.UserPoolId) != ev.UserPoolID {
			t.Fatalf("wrong link %+v for %s (candidates %v)", in, payload, match)
		}
	})
}

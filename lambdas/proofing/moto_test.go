package proofing_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/mototest"
	"github.com/cognitobridge/cognitobridge/lambdas/linking"
	"github.com/cognitobridge/cognitobridge/lambdas/presignup"
	"github.com/cognitobridge/cognitobridge/lambdas/proofing"
	"github.com/cognitobridge/cognitobridge/test/cognitofake"
	"github.com/cognitobridge/cognitobridge/test/idvfake"
	"github.com/cognitobridge/cognitobridge/test/motoserver"
	"github.com/cognitobridge/cognitobridge/test/syncbuf"
)

const (
	testHMACKey = "0123456789abcdef0123456789abcdef-callback"
	testLicense = "license-key-of-the-test-tenant"
	testPubKey  = "dGVzdC1wdWJsaWMta2V5"
	testDVCID   = "cognitobridge_dvcid"
	testDocKey  = "document-registry-key-of-the-test-deployment-0123456789"
)

var testShared = bytes.Repeat([]byte{7}, 32)

// world is moto (Cognito through cognitofake, DynamoDB, Secrets Manager),
// the IDV fake, and the three handlers wired as the commands wire them.
type world struct {
	t        *testing.T
	ctx      context.Context
	cog      *cip.Client
	sm       *secretsmanager.Client
	idvImpl  *proofing.BlockID
	store    *proofing.Store
	secret   proofing.SecretSource
	docKey   proofing.DocumentKeySource
	hc       proofing.HandlerConfig
	fake     *cognitofake.Fake
	ddb      *dynamodb.Client
	table    string
	idv      *idvfake.Fake
	poolID   string
	clientID string
	presign  *presignup.Handler
	session  *proofing.SessionHandler
	callback *proofing.CallbackHandler
	logs     *syncbuf.Buffer
}

func newWorld(t *testing.T) *world {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: starts moto_server")
	}
	moto := motoserver.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	w := &world{t: t, ctx: ctx, fake: cognitofake.Start(t, moto), table: "cognitobridge-proofing", logs: &syncbuf.Buffer{}}
	httpc := &http.Client{Timeout: 10 * time.Second}
	w.cog = cip.New(cip.Options{Region: motoserver.Region, Credentials: motoserver.Credentials, BaseEndpoint: aws.String(w.fake.Endpoint()), HTTPClient: httpc, Retryer: aws.NopRetryer{}})
	w.ddb = dynamodb.New(dynamodb.Options{Region: motoserver.Region, Credentials: motoserver.Credentials, BaseEndpoint: aws.String(moto), HTTPClient: httpc})
	sm := secretsmanager.New(secretsmanager.Options{Region: motoserver.Region, Credentials: motoserver.Credentials, BaseEndpoint: aws.String(moto), HTTPClient: httpc})

	out, err := w.cog.CreateUserPool(ctx, &cip.CreateUserPoolInput{
		PoolName: aws.String("proofing"),
		Schema: []ciptypes.SchemaAttributeType{
			{Name: aws.String("ial"), AttributeDataType: ciptypes.AttributeDataTypeString, Mutable: aws.Bool(true)},
			{Name: aws.String("ial_at"), AttributeDataType: ciptypes.AttributeDataTypeString, Mutable: aws.Bool(true)},
			{Name: aws.String("ial_email"), AttributeDataType: ciptypes.AttributeDataTypeString, Mutable: aws.Bool(true)},
			{Name: aws.String("ial_src"), AttributeDataType: ciptypes.AttributeDataTypeString, Mutable: aws.Bool(true)},
		},
		AutoVerifiedAttributes: []ciptypes.VerifiedAttributeType{ciptypes.VerifiedAttributeTypeEmail},
	})
	if err != nil {
		t.Fatal(err)
	}
	w.poolID = aws.ToString(out.UserPool.Id)
	cl, err := w.cog.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: aws.String(w.poolID), ClientName: aws.String("app")})
	if err != nil {
		t.Fatal(err)
	}
	w.clientID = aws.ToString(cl.UserPoolClient.ClientId)
	if _, err := w.ddb.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String(w.table),
		BillingMode:          ddbtypes.BillingModePayPerRequest,
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String(contract.RecordPartitionKey), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String(contract.RecordPartitionKey), KeyType: ddbtypes.KeyTypeHash}},
	}); err != nil {
		t.Fatal(err)
	}
	secretJSON, _ := json.Marshal(contract.IDVSecret{LicenseKey: testLicense, PublicKey: testPubKey, SharedKey: base64.StdEncoding.EncodeToString(testShared),
		DVCID: testDVCID, TenantDNS: "acme.1kosmos.net", Community: "default", CallbackHMACKey: testHMACKey})
	sec, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("proofing-idv"), SecretString: aws.String(string(secretJSON))})
	if err != nil {
		t.Fatal(err)
	}
	docSec, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("proofing-document-key"), SecretString: aws.String(testDocKey)})
	if err != nil {
		t.Fatal(err)
	}
	w.sm = sm
	w.idv = idvfake.New(t, idvfake.Credentials{LicenseKey: testLicense, PublicKey: testPubKey, SharedKey: testShared, DVCID: testDVCID})

	env := map[string]string{
		contract.EnvProofingTable:                w.table,
		contract.EnvProofingUserPoolID:           w.poolID,
		contract.EnvIDVBaseURL:                   w.idv.URL(),
		contract.EnvIDVSecretARN:                 aws.ToString(sec.ARN),
		contract.EnvIDVDocumentTypes:             `["dl","passport"]`,
		contract.EnvIDVLiveness:                  "passive",
		contract.EnvIDVCallbackURL:               "https://api.example.com/proofing/callback",
		contract.EnvProofingDocumentKeySecretARN: aws.ToString(docSec.ARN),
		contract.EnvPreSignUpBehaviours:          "linking,proofing",
		contract.EnvLinkProviders:                `["corp"]`,
		// The composition below links by email: corp is trusted for it.
		contract.EnvLinkTrustedProviders: `["corp"]`,
	}
	getenv := func(k string) string { return env[k] }
	logger := slog.New(slog.NewJSONHandler(w.logs, nil))
	secret, err := proofing.SecretFromEnv(getenv, sm)
	if err != nil {
		t.Fatal(err)
	}
	idv, err := proofing.BlockIDFromEnv(getenv, secret)
	if err != nil {
		t.Fatal(err)
	}
	idv.HTTP = &http.Client{Timeout: 1500 * time.Millisecond}
	store := &proofing.Store{API: w.ddb, Table: w.table}
	w.idvImpl, w.store, w.secret = idv, store, secret
	if w.docKey, err = proofing.DocumentKeyFromEnv(getenv, sm); err != nil {
		t.Fatal(err)
	}
	maxAccounts, err := proofing.MaxAccountsFromEnv(getenv)
	if err != nil {
		t.Fatal(err)
	}

	// The pre sign-up handler, composed from config as the command does.
	pcfg, err := presignup.ConfigFromEnv(getenv)
	if err != nil {
		t.Fatal(err)
	}
	bs, err := presignup.Build(pcfg, map[string]presignup.Factory{
		contract.BehaviourLinking: func() (presignup.Behaviour, error) {
			lc, err := linking.ConfigFromEnv(getenv)
			if err != nil {
				return nil, err
			}
			b, err := linking.New(w.cog, lc)
			if err == nil {
				b.Logger = logger
			}
			return b, err
		},
		contract.BehaviourProofing: func() (presignup.Behaviour, error) {
			bc, err := proofing.BehaviourConfigFromEnv(getenv)
			if err != nil {
				return nil, err
			}
			b, err := proofing.NewBehaviour(idv, store, bc)
			if err == nil {
				b.Logger = logger
			}
			return b, err
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	w.presign = presignup.New(bs...)
	w.presign.Logger = logger

	hc, err := proofing.HandlerConfigFromEnv(getenv)
	if err != nil {
		t.Fatal(err)
	}
	w.hc = hc
	if w.session, err = proofing.NewSessionHandler(store, w.cog, hc); err != nil {
		t.Fatal(err)
	}
	w.session.Logger = logger
	if w.callback, err = proofing.NewCallbackHandler(idv, store, w.cog, secret, w.docKey, maxAccounts, hc); err != nil {
		t.Fatal(err)
	}
	w.callback.Logger = logger
	return w
}

// newHandle returns a random handle and its hex SHA-256, as a client makes them.
func newHandle() (handle, hash string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	handle = base64.RawURLEncoding.EncodeToString(b)
	sum := sha256.Sum256([]byte(handle))
	return handle, hex.EncodeToString(sum[:])
}

// signUp creates the UNCONFIRMED user in moto and runs the pre sign-up
// event Cognito would send for it through the real handler.
func (w *world) signUp(username, handleHash string) (presignup.Event, error) {
	w.t.Helper()
	ev := presignup.Event{Header: presignup.Header{Version: "1", TriggerSource: presignup.TriggerSignUp, Region: motoserver.Region, UserPoolID: w.poolID, UserName: username,
		CallerContext: presignup.CallerContext{AWSSDKVersion: "aws-sdk-js-3", ClientID: w.clientID}},
		Request: presignup.Request{UserAttributes: map[string]string{"email": username + "@example.com"}, ValidationData: map[string]string{}}}
	if handleHash != "" {
		ev.Request.ValidationData[contract.ProofingHandleKey] = handleHash
	}
	raw, _ := json.Marshal(ev)
	outRaw, err := lambda.NewHandler(w.presign.Handle).Invoke(w.ctx, raw)
	if err != nil {
		return presignup.Event{}, err
	}
	var out presignup.Event
	if err := json.Unmarshal(outRaw, &out); err != nil {
		w.t.Fatal(err)
	}
	if _, err := w.cog.SignUp(w.ctx, &cip.SignUpInput{ClientId: aws.String(w.clientID), Username: aws.String(username), Password: aws.String("Correct-horse-9!"),
		UserAttributes: []ciptypes.AttributeType{{Name: aws.String("email"), Value: aws.String(username + "@example.com")}}}); err != nil {
		w.t.Fatalf("moto SignUp: %v", err)
	}
	return out, nil
}

// confirmEmail is the user entering the sign-up code Cognito emailed
// (ConfirmSignUp): Cognito then has the user CONFIRMED with email_verified
// "true". moto accepts any code and does not set email_verified, so the
// test sets it as Cognito does.
func (w *world) confirmEmail(username string) {
	w.t.Helper()
	if _, err := w.cog.ConfirmSignUp(w.ctx, &cip.ConfirmSignUpInput{ClientId: aws.String(w.clientID), Username: aws.String(username), ConfirmationCode: aws.String("123456")}); err != nil {
		w.t.Fatalf("moto ConfirmSignUp: %v", err)
	}
	if _, err := w.cog.AdminUpdateUserAttributes(w.ctx, &cip.AdminUpdateUserAttributesInput{UserPoolId: aws.String(w.poolID), Username: aws.String(username),
		UserAttributes: []ciptypes.AttributeType{{Name: aws.String("email_verified"), Value: aws.String("true")}}}); err != nil {
		w.t.Fatal(err)
	}
}

// askSession asks the session endpoint with the user's handle.
func (w *world) askSession(username, handle string) apiAnswer {
	return invokeAPI(w.t, w.ctx, w.session.Handle, httpReq("/proofing/session", fmt.Sprintf(`{"username":%q,"handle":%q}`, username, handle), map[string]string{"content-type": "application/json"}))
}

func (w *world) record(username string) map[string]ddbtypes.AttributeValue {
	w.t.Helper()
	out, err := w.ddb.GetItem(w.ctx, &dynamodb.GetItemInput{TableName: aws.String(w.table), ConsistentRead: aws.Bool(true),
		Key: map[string]ddbtypes.AttributeValue{"pk": &ddbtypes.AttributeValueMemberS{Value: w.poolID + "#" + username}}})
	if err != nil {
		w.t.Fatal(err)
	}
	return out.Item
}

func sattr(item map[string]ddbtypes.AttributeValue, k string) string {
	if v, ok := item[k].(*ddbtypes.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

func (w *world) user(username string) (status string, attrs map[string]string) {
	w.t.Helper()
	u, err := w.cog.AdminGetUser(w.ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(w.poolID), Username: aws.String(username)})
	if err != nil {
		w.t.Fatal(err)
	}
	attrs = map[string]string{}
	for _, a := range u.UserAttributes {
		attrs[aws.ToString(a.Name)] = aws.ToString(a.Value)
	}
	return string(u.UserStatus), attrs
}

type apiAnswer struct {
	Status int
	Body   map[string]string
	Raw    string
}

func invokeAPI(t *testing.T, ctx context.Context, handler any, req events.APIGatewayV2HTTPRequest) apiAnswer {
	t.Helper()
	raw, _ := json.Marshal(req)
	out, err := lambda.NewHandler(handler).Invoke(ctx, raw)
	if err != nil {
		t.Fatalf("invoke: %v", err)
	}
	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatal(err)
	}
	a := apiAnswer{Status: resp.StatusCode, Raw: resp.Body}
	_ = json.Unmarshal([]byte(resp.Body), &a.Body)
	return a
}

func httpReq(path, body string, headers map[string]string) events.APIGatewayV2HTTPRequest {
	return events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: "POST " + path, RawPath: path, Headers: headers, Body: body,
		RequestContext: events.APIGatewayV2HTTPRequestContext{HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "POST", Path: path}},
	}
}

func signed(key string, ts time.Time, body string) map[string]string {
	tss := strconv.FormatInt(ts.Unix(), 10)
	return map[string]string{
		"content-type":              "application/json",
		"x-cognitobridge-timestamp": tss,
		"x-cognitobridge-signature": proofing.Sign([]byte(key), tss, []byte(body)),
	}
}

func (w *world) callbackFor(sessionID string, ts time.Time) apiAnswer {
	body := fmt.Sprintf(`{"sessionId":%q,"event":"completed"}`, sessionID)
	return invokeAPI(w.t, w.ctx, w.callback.Handle, httpReq("/proofing/callback", body, signed(testHMACKey, ts, body)))
}

func TestProofingEndToEndWithMoto(t *testing.T) {
	w := newWorld(t)
	handle, hash := newHandle()

	// Sign-up: a session is started and stored; nothing is auto-confirmed.
	out, err := w.signUp("alice", hash)
	if err != nil {
		t.Fatalf("sign-up refused: %v", err)
	}
	if out.Response.AutoConfirmUser || out.Response.AutoVerifyEmail || out.Response.AutoVerifyPhone {
		t.Fatalf("auto-confirmed: %+v", out.Response)
	}
	starts := w.idv.Starts()
	if len(starts) != 1 {
		t.Fatalf("starts: %d", len(starts))
	}
	sid := starts[0].ID
	sr := starts[0].Request["sessionRequest"].(map[string]any)
	if sr["documentType"] != "dl_object" || sr["tenantDNS"] != "acme.1kosmos.net" || sr["user"].(map[string]any)["username"] != "alice" ||
		sr["livenessMode"] != "passive" || sr["callbackUrl"] != "https://api.example.com/proofing/callback" ||
		sr["metadata"].(map[string]any)["userPoolId"] != w.poolID {
		t.Fatalf("session request: %+v", sr)
	}
	rec := w.record("alice")
	if sattr(rec, "sessionId") != sid || sattr(rec, "handleHash") != hash || sattr(rec, "status") != "pending" || !strings.Contains(sattr(rec, "sessionUrl"), sid) {
		t.Fatalf("record: %+v", rec)
	}
	if _, ok := rec["expiresAt"].(*ddbtypes.AttributeValueMemberN); !ok {
		t.Fatal("no TTL attribute")
	}
	if st, _ := w.user("alice"); st != "UNCONFIRMED" {
		t.Fatalf("status after sign-up: %s", st)
	}

	// Session endpoint: the right handle gets no URL before the email is
	// verified (the user confirms the sign-up with the emailed code first);
	// then it gets the URL. A wrong handle and an unknown user get the same
	// answer.
	sess := func(body string) apiAnswer {
		return invokeAPI(t, w.ctx, w.session.Handle, httpReq("/proofing/session", body, map[string]string{"content-type": "application/json"}))
	}
	if early := sess(fmt.Sprintf(`{"username":"alice","handle":%q}`, handle)); early.Status != 409 || early.Body["error"] != "contact_unverified" || early.Body["sessionUrl"] != "" {
		t.Fatalf("before the email is verified: %+v", early)
	}
	w.confirmEmail("alice")
	good := sess(fmt.Sprintf(`{"username":"alice","handle":%q}`, handle))
	if good.Status != 200 || good.Body["sessionUrl"] != sattr(rec, "sessionUrl") || good.Body["status"] != "pending" {
		t.Fatalf("right handle: %+v", good)
	}
	other, _ := newHandle()
	wrong := sess(fmt.Sprintf(`{"username":"alice","handle":%q}`, other))
	unknown := sess(fmt.Sprintf(`{"username":"mallory","handle":%q}`, handle))
	short := sess(`{"username":"alice","handle":"x"}`)
	if wrong.Status != 404 || wrong.Raw != unknown.Raw || unknown.Status != 404 || wrong.Raw != short.Raw || short.Status != 404 {
		t.Fatalf("not identical: wrong=%+v unknown=%+v short=%+v", wrong, unknown, short)
	}
	if a := sess(fmt.Sprintf(`{"userPoolId":"x","username":"alice","handle":%q}`, handle)); a.Status != 400 {
		t.Fatalf("pool in request accepted: %+v", a)
	}
	if a := sess(`{"username":"alice","handle":"` + strings.Repeat("a", proofing.MaxSessionBody) + `"}`); a.Status != 400 {
		t.Fatalf("oversized body: %+v", a)
	}

	// Second sign-up with the same name while pending: refused, record kept.
	if _, err := lambda.NewHandler(w.presign.Handle).Invoke(w.ctx, mustJSON(presignup.Event{Header: presignup.Header{TriggerSource: presignup.TriggerSignUp, UserPoolID: w.poolID, UserName: "alice"},
		Request: presignup.Request{ValidationData: map[string]string{contract.ProofingHandleKey: strings.Repeat("0", 64)}}})); err == nil || err.Error() != proofing.MsgInProgress {
		t.Fatalf("second sign-up: %v", err)
	}
	if sattr(w.record("alice"), "handleHash") != hash {
		t.Fatal("record replaced by a second sign-up")
	}

	now := time.Now()
	confirmCalls := func() int { return w.fake.Calls("AdminConfirmSignUp") }
	unconfirmed := func(label string) {
		t.Helper()
		if _, attrs := w.user("alice"); attrs[contract.AttrIAL] != "" || attrs[contract.AttrIALEmail] != "" {
			t.Fatalf("%s: assured: %v", label, attrs)
		}
		if n := confirmCalls(); n != 0 {
			t.Fatalf("%s: AdminConfirmSignUp called %d times", label, n)
		}
	}
	body := fmt.Sprintf(`{"sessionId":%q,"event":"completed"}`, sid)
	// The timestamp travels in whole seconds and the handler reads its clock
	// after the earlier cases ran: a margin of one second flaked in CI.
	const outsideSkew = proofing.MaxClockSkew + 30*time.Second
	matrix := []struct {
		name   string
		setup  func()
		req    events.APIGatewayV2HTTPRequest
		status int
		reason string
	}{
		{"missing signature", nil, httpReq("/proofing/callback", body, map[string]string{"x-cognitobridge-timestamp": strconv.FormatInt(now.Unix(), 10)}), 401, proofing.ReasonMissingSignature},
		{"bad signature", nil, httpReq("/proofing/callback", body, signed("another-key-another-key-another-key", now, body)), 401, proofing.ReasonBadSignature},
		{"body changed after signing", nil, httpReq("/proofing/callback", strings.Replace(body, "completed", "completeD", 1), signed(testHMACKey, now, body)), 401, proofing.ReasonBadSignature},
		{"stale timestamp", nil, httpReq("/proofing/callback", body, signed(testHMACKey, now.Add(-outsideSkew), body)), 401, proofing.ReasonStaleTimestamp},
		{"future timestamp", nil, httpReq("/proofing/callback", body, signed(testHMACKey, now.Add(outsideSkew), body)), 401, proofing.ReasonStaleTimestamp},
		{"unknown session", nil, httpReq("/proofing/callback", `{"sessionId":"nope-1","event":"completed"}`, signed(testHMACKey, now, `{"sessionId":"nope-1","event":"completed"}`)), 400, proofing.ReasonUnknownSession},
		{"unknown field", nil, httpReq("/proofing/callback", `{"sessionId":"`+sid+`","event":"completed","verified":true}`, signed(testHMACKey, now, `{"sessionId":"`+sid+`","event":"completed","verified":true}`)), 400, proofing.ReasonMalformed},
		{"oversized body", nil, httpReq("/proofing/callback", strings.Repeat(" ", proofing.MaxCallbackBody+1), signed(testHMACKey, now, strings.Repeat(" ", proofing.MaxCallbackBody+1))), 400, proofing.ReasonMalformed},
		{"result pending", func() { w.idv.Set(sid, idvfake.Outcome{Pending: true}) }, httpReq("/proofing/callback", body, signed(testHMACKey, now.Add(1*time.Second), body)), 409, proofing.ReasonResultPending},
		{"no document match", func() { w.idv.Set(sid, idvfake.Outcome{DocumentMatch: false, Liveness: true}) }, httpReq("/proofing/callback", body, signed(testHMACKey, now.Add(2*time.Second), body)), 400, proofing.ReasonNoDocumentMatch},
		{"liveness false", func() { w.idv.Set(sid, idvfake.Outcome{DocumentMatch: true, Liveness: false}) }, httpReq("/proofing/callback", body, signed(testHMACKey, now.Add(3*time.Second), body)), 400, proofing.ReasonLivenessFailed},
		{"face matches, document not authentic", func() { w.idv.Set(sid, idvfake.Outcome{DocumentMatch: true, Liveness: true, NotAuthentic: true}) },
			httpReq("/proofing/callback", body, signed(testHMACKey, now.Add(-1*time.Second), body)), 400, proofing.ReasonNotAuthentic},
		{"provider down", func() { w.idv.Set(sid, idvfake.Outcome{Down: true}) }, httpReq("/proofing/callback", body, signed(testHMACKey, now.Add(4*time.Second), body)), 502, proofing.ReasonProviderUnavailable},
		{"provider hangs", func() { w.idv.Set(sid, idvfake.Outcome{Hang: true}) }, httpReq("/proofing/callback", body, signed(testHMACKey, now.Add(5*time.Second), body)), 502, proofing.ReasonProviderUnavailable},
	}
	for _, tc := range matrix {
		if tc.setup != nil {
			tc.setup()
		}
		before := strings.Count(w.logs.String(), "\n")
		a := invokeAPI(t, w.ctx, w.callback.Handle, tc.req)
		if a.Status != tc.status {
			t.Errorf("%s: status %d, want %d (%s)", tc.name, a.Status, tc.status, a.Raw)
		}
		lines := strings.Split(strings.TrimSpace(w.logs.String()), "\n")[before:]
		if len(lines) != 1 || !strings.Contains(lines[0], `"reason":"`+tc.reason+`"`) {
			t.Errorf("%s: log %v, want one line with reason %s", tc.name, lines, tc.reason)
		}
		if strings.Contains(a.Raw, "Exception") || strings.Contains(a.Raw, "dynamodb") || strings.Contains(a.Raw, "http://") {
			t.Errorf("%s: internals in the answer: %s", tc.name, a.Raw)
		}
		unconfirmed(tc.name)
	}
	// Replay: the very same signed request twice; the second is refused
	// before anything else happens.
	w.idv.Set(sid, idvfake.Outcome{Pending: true})
	replayed := httpReq("/proofing/callback", body, signed(testHMACKey, now.Add(6*time.Second), body))
	if a := invokeAPI(t, w.ctx, w.callback.Handle, replayed); a.Status != 409 || a.Body["error"] != "pending" {
		t.Fatalf("first of replay pair: %+v", a)
	}
	resultCalls := w.idv.Calls(idvfake.PathResult)
	if a := invokeAPI(t, w.ctx, w.callback.Handle, replayed); a.Status != 409 || a.Body["error"] != "replay" || w.idv.Calls(idvfake.PathResult) != resultCalls {
		t.Fatalf("replay: %+v", a)
	}
	unconfirmed("replay")

	// Unknown user: the session is stored but Cognito has no such user.
	_, hash2 := newHandle()
	if _, err := lambda.NewHandler(w.presign.Handle).Invoke(w.ctx, mustJSON(presignup.Event{Header: presignup.Header{TriggerSource: presignup.TriggerSignUp, UserPoolID: w.poolID, UserName: "ghost"},
		Request: presignup.Request{ValidationData: map[string]string{contract.ProofingHandleKey: hash2}}})); err != nil {
		t.Fatal(err)
	}
	ghost := w.idv.Starts()[1].ID
	w.idv.Set(ghost, idvfake.Outcome{DocumentMatch: true, Liveness: true})
	if a := w.callbackFor(ghost, now.Add(7*time.Second)); a.Status != 400 || !strings.Contains(w.logs.String(), `"reason":"unknown_user"`) {
		t.Fatalf("unknown user: %+v", a)
	}
	unconfirmed("unknown user")

	// Cognito failing: 502, not confirmed.
	w.idv.Set(sid, idvfake.Outcome{DocumentMatch: true, Liveness: true})
	w.fake.FailNext("AdminUpdateUserAttributes", "TooManyRequestsException", "Rate exceeded")
	if a := w.callbackFor(sid, now.Add(8*time.Second)); a.Status != 502 || strings.Contains(a.Raw, "Rate") {
		t.Fatalf("cognito error: %+v", a)
	}
	unconfirmed("cognito error")

	// The good one: the assurance written, bound to the verified email;
	// the record verified, without TTL, with the document's keyed hash.
	if a := w.callbackFor(sid, now.Add(9*time.Second)); a.Status != 200 || a.Body["status"] != "assured" {
		t.Fatalf("good callback: %+v; log %s", a, w.logs.String())
	}
	st, attrs := w.user("alice")
	if st != "CONFIRMED" || attrs[contract.AttrIAL] != "2" || attrs[contract.AttrIALEmail] != "alice@example.com" || attrs[contract.AttrIALSource] != contract.AssuranceSourceProofing {
		t.Fatalf("after good callback: %s %v", st, attrs)
	}
	if _, err := time.Parse(time.RFC3339, attrs[contract.AttrIALAt]); err != nil {
		t.Fatalf("ial_at %q", attrs[contract.AttrIALAt])
	}
	rec = w.record("alice")
	if sattr(rec, "status") != "verified" || len(sattr(rec, "documentHash")) != 64 || rec["expiresAt"] != nil {
		t.Fatalf("record %v", rec)
	}
	wantHash, _ := proofing.DocumentHash([]byte(testDocKey), contract.IDVDocumentDriversLicense, "US", "D"+sid)
	if sattr(rec, "documentHash") != wantHash || strings.Contains(fmt.Sprint(rec), "D"+sid) {
		t.Fatalf("record holds %v, want the keyed hash %s and never the number", rec, wantHash)
	}
	// Retried good callback (new timestamp and signature): 200 again, the
	// same document counted once, nobody confirmed by the callback.
	if a := w.callbackFor(sid, now.Add(10*time.Second)); a.Status != 200 {
		t.Fatalf("retried good callback: %+v", a)
	}
	if n := confirmCalls(); n != 0 {
		t.Fatalf("AdminConfirmSignUp calls: %d", n)
	}
	if a := good; a.Status != 200 {
		t.Fatal("unreachable")
	}
	if a := invokeAPI(t, w.ctx, w.session.Handle, httpReq("/proofing/session", fmt.Sprintf(`{"username":"alice","handle":%q}`, handle), nil)); a.Body["status"] != "verified" || a.Body["sessionUrl"] != "" {
		t.Fatalf("session status after verification: %+v", a)
	}

	// Nothing secret in the logs: no handle, HMAC key, license or URL.
	logs := w.logs.String()
	for _, s := range []string{handle, testHMACKey, testLicense, "alice", sid, "idproofing"} {
		if strings.Contains(logs, s) {
			t.Fatalf("log carries %q: %s", s, logs)
		}
	}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func TestPreSignUpWithMoto(t *testing.T) {
	w := newWorld(t)
	invoke := func(ev presignup.Event) (presignup.Event, error) {
		out, err := lambda.NewHandler(w.presign.Handle).Invoke(w.ctx, mustJSON(ev))
		var e presignup.Event
		if err == nil {
			_ = json.Unmarshal(out, &e)
		}
		return e, err
	}
	base := func(user string, vd map[string]string) presignup.Event {
		return presignup.Event{Header: presignup.Header{Version: "1", TriggerSource: presignup.TriggerSignUp, UserPoolID: w.poolID, UserName: user},
			Request: presignup.Request{UserAttributes: map[string]string{"email": user + "@example.com"}, ValidationData: vd}}
	}
	// Missing and malformed handle hashes: refused with the clear message.
	for _, vd := range []map[string]string{nil, {contract.ProofingHandleKey: "abc"}, {contract.ProofingHandleKey: strings.Repeat("A", 64)}} {
		if _, err := invoke(base("bob", vd)); err == nil || err.Error() != proofing.MsgHandleRequired {
			t.Fatalf("handle %v: %v", vd, err)
		}
	}
	// clientMetadata is accepted as well.
	_, hash := newHandle()
	ev := base("carol", nil)
	ev.Request.ClientMetadata = map[string]string{contract.ProofingHandleKey: hash}
	ev.Response.AutoConfirmUser = true // an earlier behaviour (or a forged event) asks for it
	out, err := invoke(ev)
	if err != nil || out.Response.AutoConfirmUser {
		t.Fatalf("clientMetadata: %+v %v", out.Response, err)
	}
	// A client trying to set custom:ial itself: refused.
	ev = base("dave", map[string]string{contract.ProofingHandleKey: hash})
	ev.Request.UserAttributes[contract.AttrIAL] = "2"
	if _, err := invoke(ev); err == nil || err.Error() != proofing.MsgReserved {
		t.Fatalf("reserved attribute: %v", err)
	}
	// Provider down or hanging: refused with the retry message, no record.
	for _, set := range []func(bool){w.idv.SetDown, w.idv.SetHang} {
		set(true)
		if _, err := invoke(base("erin", map[string]string{contract.ProofingHandleKey: hash})); err == nil || err.Error() != proofing.MsgRetry {
			t.Fatalf("provider failure: %v", err)
		}
		set(false)
		if rec := w.record("erin"); rec != nil {
			t.Fatalf("record stored after provider failure: %v", rec)
		}
	}
	// Composition: the ExternalProvider sign-up is linking's; proofing
	// lets it pass without a session, and linking links to the native user.
	mototest.CreateUser(t, w.ctx, w.cog, w.poolID, "frank-native", "email", "frank@example.com", "email_verified", "true")
	starts := len(w.idv.Starts())
	ext := presignup.Event{Header: presignup.Header{Version: "1", TriggerSource: presignup.TriggerExternalProvider, UserPoolID: w.poolID, UserName: "corp_s-1"},
		Request: presignup.Request{UserAttributes: map[string]string{"email": "frank@example.com", "email_verified": "true"}}}
	if _, err := invoke(ext); err != nil {
		t.Fatalf("external: %v", err)
	}
	if len(w.fake.Links()) != 1 || len(w.idv.Starts()) != starts {
		t.Fatalf("external: links %v, starts %d", w.fake.Links(), len(w.idv.Starts())-starts)
	}
	// And the self sign-up is proofing's: linking does nothing, proofing starts.
	if _, err := invoke(base("grace", map[string]string{contract.ProofingHandleKey: hash})); err != nil {
		t.Fatal(err)
	}
	if len(w.fake.Links()) != 1 || len(w.idv.Starts()) != starts+1 {
		t.Fatal("self sign-up: wrong behaviour ran")
	}
	// AdminCreateUser is not proofed here (an administrator creates the user).
	adm := base("henry", nil)
	adm.TriggerSource = presignup.TriggerAdminCreateUser
	if _, err := invoke(adm); err != nil || len(w.idv.Starts()) != starts+1 {
		t.Fatalf("admin create: %v", err)
	}
	if strings.Contains(w.logs.String(), hash) {
		t.Fatal("handle hash logged")
	}
}

package e2e

// The pool-triggers custom resource (lambdas/cmd/pool-triggers) through its
// real binary: moto's Cognito holds the pool, and CloudFormation's answers
// go to the pre-signed ResponseURL through an HTTPS proxy on loopback that
// presents certificates of a test CA (HTTPS_PROXY and SSL_CERT_FILE in the
// function's environment), so the binary PUTs to the real CloudFormation
// host names and the test sees each answer and where it went.

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	rp "github.com/cognitobridge/cognitobridge/lambdas/pooltriggers/resourceprops"
	"github.com/cognitobridge/cognitobridge/test/motoserver"
)

const binPoolTriggers = "pool-triggers"

const (
	ptStack      = "arn:aws:cloudformation:us-east-1:123456789012:stack/AppStack/0f1e2d3c-aaaa-bbbb-cccc-000000000001"
	ptOtherStack = "arn:aws:cloudformation:us-east-1:123456789012:stack/OtherStack/0f1e2d3c-aaaa-bbbb-cccc-000000000002"
	ptDefine     = "arn:aws:lambda:us-east-1:123456789012:function:AppStack-StepUpDefineFunction-AAAAAAAA"
	ptDefine2    = "arn:aws:lambda:us-east-1:123456789012:function:AppStack-StepUpDefineFunction2-BBBBBBBB"
	ptGuard      = "arn:aws:lambda:us-east-1:123456789012:function:AppStack-StepUpGuardFunction-CCCCCCCC"
	ptAttacker   = "arn:aws:lambda:us-east-1:123456789012:function:attacker-pre-token-generation"
	ptTheirs     = "arn:aws:lambda:us-east-1:123456789012:function:their-post-confirmation"
	// cfnResponseHost is CloudFormation's response bucket of us-east-1,
	// in the dash-region form seen in real events.
	cfnResponseHost = "cloudformation-custom-resource-response-useast1.s3-us-east-1.amazonaws.com"
)

// cfnAnswer is one answer the function PUT, and the host it went to.
type cfnAnswer struct {
	Host   string
	Status string
	Reason string
}

// answerProxy is an HTTPS proxy on loopback that terminates TLS with a
// certificate of its own CA for whatever host the client asks for, and
// records each PUT body as an answer.
type answerProxy struct {
	addr    string
	caFile  string
	answers chan cfnAnswer
}

func startAnswerProxy(t *testing.T) *answerProxy {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "cognitobridge e2e CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	leaf := func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, err
		}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: hello.ServerName},
			DNSNames: []string{hello.ServerName}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			return nil, err
		}
		return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &answerProxy{addr: ln.Addr().String(), caFile: caFile, answers: make(chan cfnAnswer, 16)}
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go p.serve(conn, leaf)
		}
	}()
	t.Cleanup(func() { _ = ln.Close() })
	return p
}

func (p *answerProxy) serve(conn net.Conn, leaf func(*tls.ClientHelloInfo) (*tls.Certificate, error)) {
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
	connect, err := http.ReadRequest(bufio.NewReader(conn))
	if err != nil || connect.Method != http.MethodConnect {
		return
	}
	host, _, _ := net.SplitHostPort(connect.Host)
	if _, err := io.WriteString(conn, "HTTP/1.1 200 Connection established\r\n\r\n"); err != nil {
		return
	}
	tc := tls.Server(conn, &tls.Config{GetCertificate: leaf, MinVersion: tls.VersionTLS12})
	req, err := http.ReadRequest(bufio.NewReader(tc))
	if err != nil {
		return
	}
	body, _ := io.ReadAll(req.Body)
	var a cfnAnswer
	_ = json.Unmarshal(body, &a)
	a.Host = host
	_, _ = io.WriteString(tc, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
	p.answers <- a
}

// next returns the next answer, or ok false when none comes within d.
func (p *answerProxy) next(d time.Duration) (cfnAnswer, bool) {
	select {
	case a := <-p.answers:
		return a, true
	case <-time.After(d):
		return cfnAnswer{}, false
	}
}

// ptStackUnderTest is the pool in moto, the proxy, and the function
// running with the environment the construct gives it.
type ptStackUnderTest struct {
	moto    string
	cognito *cip.Client
	pool    string
	proxy   *answerProxy
	fn      *function
}

func newPoolTriggersStack(t *testing.T) *ptStackUnderTest {
	t.Helper()
	moto := startMoto(t)
	c := cip.New(cip.Options{Region: region, Credentials: motoserver.Credentials, BaseEndpoint: aws.String(moto)})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := c.CreateUserPool(ctx, &cip.CreateUserPoolInput{
		PoolName:     aws.String("their-pool"),
		LambdaConfig: &types.LambdaConfigType{PostConfirmation: aws.String(ptTheirs)},
	})
	if err != nil {
		t.Fatalf("moto CreateUserPool: %v", err)
	}
	s := &ptStackUnderTest{moto: moto, cognito: c, pool: aws.ToString(out.UserPool.Id), proxy: startAnswerProxy(t)}
	s.deploy(t, "DefineAuthChallenge="+ptDefine+",PreTokenGeneration="+ptGuard)
	return s
}

// deploy (re)starts the function with allowed as its list, as Lambda runs
// a new execution environment after CloudFormation updated its
// configuration.
func (s *ptStackUnderTest) deploy(t *testing.T, allowed string) {
	t.Helper()
	if s.fn != nil {
		s.fn.stop()
	}
	s.fn = startFunction(t, binPoolTriggers, map[string]string{
		"AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER": s.moto,
		"HTTPS_PROXY":         "http://" + s.proxy.addr,
		"SSL_CERT_FILE":       s.proxy.caFile,
		rp.EnvStackID:         ptStack,
		rp.EnvAllowedTriggers: allowed,
	})
}

func ptProps(pool string, ts ...rp.Trigger) map[string]interface{} {
	list := make([]interface{}, 0, len(ts))
	for _, t := range ts {
		m := map[string]interface{}{rp.Operation: t.Operation, rp.LambdaArn: t.LambdaArn}
		if t.LambdaVersion != "" {
			m[rp.LambdaVersion] = t.LambdaVersion
		}
		list = append(list, m)
	}
	return map[string]interface{}{"ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:AppStack-PoolTriggersFunction-DDDDDDDD",
		rp.UserPoolID: pool, rp.Triggers: list}
}

func ptTrigger(op, arn string) rp.Trigger {
	if op == rp.OpPreTokenGeneration {
		return rp.Trigger{Operation: op, LambdaArn: arn, LambdaVersion: "V2_0"}
	}
	return rp.Trigger{Operation: op, LambdaArn: arn}
}

// request sends one CloudFormation request and returns the answer that
// reached a host (ok false: none did; invocationErr: the invocation
// itself failed).
func (s *ptStackUnderTest) request(t *testing.T, typ cfn.RequestType, stackID, responseURL string, newProps, oldProps map[string]interface{}) (a cfnAnswer, ok, invocationErr bool) {
	t.Helper()
	ev := cfn.Event{
		RequestType: typ, RequestID: "req-" + string(typ), ResponseURL: responseURL,
		ResourceType: rp.ResourceType, LogicalResourceID: "ExistingTriggersResource", StackID: stackID,
		PhysicalResourceID: "pooltriggers:" + s.pool, ResourceProperties: newProps, OldResourceProperties: oldProps,
	}
	if typ == cfn.RequestCreate {
		ev.PhysicalResourceID = ""
	}
	payload, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 70*time.Second)
	defer cancel()
	_, isErr, err := s.fn.api.Invoke(ctx, payload, 60*time.Second)
	if err != nil {
		t.Fatalf("invoke: %v\n%s", err, s.fn.output(t))
	}
	a, ok = s.proxy.next(3 * time.Second)
	return a, ok, isErr
}

// triggers returns the pool's current operation → ARN.
func (s *ptStackUnderTest) triggers(t *testing.T) map[string]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := s.cognito.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(s.pool)})
	if err != nil {
		t.Fatal(err)
	}
	lc := out.UserPool.LambdaConfig
	got := map[string]string{}
	if lc == nil {
		return got
	}
	for op, v := range map[string]*string{rp.OpDefineAuthChallenge: lc.DefineAuthChallenge, rp.OpPreTokenGeneration: lc.PreTokenGeneration,
		rp.OpPostConfirmation: lc.PostConfirmation} {
		if aws.ToString(v) != "" {
			got[op] = aws.ToString(v)
		}
	}
	if c := lc.PreTokenGenerationConfig; c != nil && aws.ToString(c.LambdaArn) != aws.ToString(lc.PreTokenGeneration) {
		got["PreTokenGenerationConfig"] = aws.ToString(c.LambdaArn)
	}
	return got
}

func (s *ptStackUnderTest) wantTriggers(t *testing.T, step string, want map[string]string) {
	t.Helper()
	got := s.triggers(t)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s: the pool's triggers are %v, want %v", step, got, want)
	}
}

func cfnURL(host string) string {
	return "https://" + host + "/arn%3Aaws%3Acloudformation%3Aus-east-1%3A123456789012%3Astack/AppStack/x%7CExistingTriggersResource%7Creq?X-Amz-Signature=SIG"
}

// wantAnswer fails unless the answer went to CloudFormation's host with
// status.
func wantAnswer(t *testing.T, step string, a cfnAnswer, ok bool, status string) {
	t.Helper()
	if !ok || a.Host != cfnResponseHost || a.Status != status {
		t.Errorf("%s: answer %+v (sent: %v), want %s at %s", step, a, ok, status, cfnResponseHost)
	}
}

// attached is the pool after the rightful Create: ours and theirs.
var ptAttached = map[string]string{rp.OpDefineAuthChallenge: ptDefine, rp.OpPreTokenGeneration: ptGuard, rp.OpPostConfirmation: ptTheirs}

func (s *ptStackUnderTest) rightfulCreate(t *testing.T) map[string]interface{} {
	t.Helper()
	props := ptProps(s.pool, ptTrigger(rp.OpDefineAuthChallenge, ptDefine), ptTrigger(rp.OpPreTokenGeneration, ptGuard))
	a, ok, _ := s.request(t, cfn.RequestCreate, ptStack, cfnURL(cfnResponseHost), props, nil)
	wantAnswer(t, "rightful create", a, ok, "SUCCESS")
	s.wantTriggers(t, "rightful create", ptAttached)
	return props
}

// TestAttackForgedDeleteDetachesGuard: a Delete naming the guard's ARN,
// sent by another stack whose custom resource points at this function
// (CloudFormation invokes it with that deployer's credentials) or invoked
// directly with a ResponseURL of the sender's choosing, would empty the
// pre token generation slot: every sign-in without a step-up. Refused;
// beside it the stack's own deletion detaches exactly its triggers.
func TestAttackForgedDeleteDetachesGuard(t *testing.T) {
	s := newPoolTriggersStack(t)
	props := s.rightfulCreate(t)

	// Another stack's custom resource, genuine CloudFormation URL.
	a, ok, _ := s.request(t, cfn.RequestDelete, ptOtherStack, cfnURL(cfnResponseHost), props, nil)
	wantAnswer(t, "delete from another stack", a, ok, "FAILED")
	if !strings.Contains(a.Reason, "AppStack") {
		t.Errorf("delete from another stack: reason %q does not name the function's stack", a.Reason)
	}
	s.wantTriggers(t, "delete from another stack", ptAttached)

	// A direct invoke whose ResponseURL is the sender's: no answer goes
	// there, the invocation fails, nothing is detached.
	for _, u := range []string{
		"https://attacker.example/answer",
		"https://cloudformation-custom-resource-response-euwest1.s3-eu-west-1.amazonaws.com/x", // another region's bucket
		"https://" + cfnResponseHost + ".attacker.example/x",
		"http://" + cfnResponseHost + "/x",
	} {
		a, ok, isErr := s.request(t, cfn.RequestDelete, ptStack, u, props, nil)
		if ok || !isErr {
			t.Errorf("delete answering %s: answer %+v sent: %v, invocation error: %v", u, a, ok, isErr)
		}
	}
	s.wantTriggers(t, "delete with a foreign ResponseURL", ptAttached)

	// The stack's own deletion: our two slots emptied, theirs kept.
	a, ok, _ = s.request(t, cfn.RequestDelete, ptStack, cfnURL(cfnResponseHost), props, nil)
	wantAnswer(t, "rightful delete", a, ok, "SUCCESS")
	s.wantTriggers(t, "rightful delete", map[string]string{rp.OpPostConfirmation: ptTheirs})

	out := s.fn.output(t)
	for _, reason := range []string{"foreign_stack", "foreign_response_url", "detached"} {
		if !strings.Contains(out, `"reason":"`+reason+`"`) {
			t.Errorf("no %s line in:\n%s", reason, out)
		}
	}
	if strings.Contains(out, "SIG") || strings.Contains(out, "attacker.example/answer") {
		t.Errorf("a ResponseURL was logged:\n%s", out)
	}
}

// TestAttackForgedUpdateSwapsHolders: an Update whose properties (new and
// forged old) put another function in the guard's slot, swap this stack's
// own functions between slots, or drop the guard so that the old
// properties release it. Each is refused or keeps the guard; beside them a
// real stack update that replaces the Define function passes.
func TestAttackForgedUpdateSwapsHolders(t *testing.T) {
	s := newPoolTriggersStack(t)
	props := s.rightfulCreate(t)
	url := cfnURL(cfnResponseHost)

	// The attacker's function into the guard's slot, old properties
	// claiming the guard was "ours to replace": from another stack, then
	// with this stack's id.
	forged := ptProps(s.pool, ptTrigger(rp.OpDefineAuthChallenge, ptDefine), ptTrigger(rp.OpPreTokenGeneration, ptAttacker))
	for _, stack := range []string{ptOtherStack, ptStack} {
		a, ok, _ := s.request(t, cfn.RequestUpdate, stack, url, forged, props)
		wantAnswer(t, "attacker's function from "+stack, a, ok, "FAILED")
		s.wantTriggers(t, "attacker's function from "+stack, ptAttached)
	}

	// This stack's own functions swapped between slots.
	swapped := ptProps(s.pool, ptTrigger(rp.OpDefineAuthChallenge, ptGuard), ptTrigger(rp.OpPreTokenGeneration, ptDefine))
	a, ok, _ := s.request(t, cfn.RequestUpdate, ptStack, url, swapped, props)
	wantAnswer(t, "swapped holders", a, ok, "FAILED")
	s.wantTriggers(t, "swapped holders", ptAttached)

	// The guard left out of the new properties, named in the old ones:
	// it would be released as "no longer wanted". The stack still lists
	// it, so it stays.
	dropped := ptProps(s.pool, ptTrigger(rp.OpDefineAuthChallenge, ptDefine))
	a, ok, _ = s.request(t, cfn.RequestUpdate, ptStack, url, dropped, props)
	wantAnswer(t, "guard dropped", a, ok, "SUCCESS")
	s.wantTriggers(t, "guard dropped", ptAttached)

	// A real stack update: CloudFormation replaced the Define function
	// (new ARN), updated this function's configuration, then sends the
	// Update with the old properties.
	s.deploy(t, "DefineAuthChallenge="+ptDefine2+",PreTokenGeneration="+ptGuard)
	updated := ptProps(s.pool, ptTrigger(rp.OpDefineAuthChallenge, ptDefine2), ptTrigger(rp.OpPreTokenGeneration, ptGuard))
	a, ok, _ = s.request(t, cfn.RequestUpdate, ptStack, url, updated, props)
	wantAnswer(t, "rightful update", a, ok, "SUCCESS")
	s.wantTriggers(t, "rightful update", map[string]string{rp.OpDefineAuthChallenge: ptDefine2, rp.OpPreTokenGeneration: ptGuard, rp.OpPostConfirmation: ptTheirs})

	out := s.fn.output(t)
	if !strings.Contains(out, `"reason":"attached"`) {
		t.Errorf("no attached line in:\n%s", out)
	}
}

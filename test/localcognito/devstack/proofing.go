package devstack

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/proofing"
	"github.com/cognitobridge/cognitobridge/test/idvfake"
	"github.com/cognitobridge/cognitobridge/test/localcognito"
	"github.com/cognitobridge/cognitobridge/test/oidcpeer"
)

// Identity proofing (apps/identity-proofing) on loopback: the BlockID IDV
// is test/idvfake, with its clickable session page; a relay signs the
// end-of-session callback; the page's server proxies the session endpoint
// and hands out the sign-up code (both LOCAL, below).
//
// What differs from a deployment, and why:
//   - IdvBaseUrl gets a value its AllowedPattern (https) accepts, and the
//     functions' COGNITOBRIDGE_IDV_BASE_URL is then overridden with the
//     fake's http://127.0.0.1 URL (template.Options.Overrides, logged).
//     lambdas/proofing accepts plain http only on loopback
//     (oidcrp.CheckEndpointURL), so nothing is weakened for this.
//   - The credentials (DvcId, LicenseKey, PublicKey, SharedKey) and the
//     callback HMAC key are generated per run; the template stores them
//     in the IDV secret as a deployment does.
//   - BlockID publishes no webhook (docs/identity-proofing.md,
//     lambdas/proofing/blockid.go), so, as the design says, a relay sends
//     the signed callback. Relay below is that relay; what tells it a
//     session ended is FAKE (idvfake's Notify hook).

// idvBaseParam is the IdvBaseUrl parameter's local value: a well-formed
// https URL (the parameter's AllowedPattern), replaced in the functions'
// environment by the fake's loopback URL.
const idvBaseParam = "https://" + TenantDNS + "/docuverify"

// CallbackEvent is the event the relay reports. ASSUMED: lambdas/proofing
// reads only sessionId (the body says "look"; the outcome comes from the
// provider's API), so any well-formed event name does.
const CallbackEvent = "session.completed"

// Proofing is the identity-proofing part of a running stack.
type Proofing struct {
	// IDV is the loopback BlockID IDV fake.
	IDV *idvfake.Fake
	// Relay sends the signed callbacks.
	Relay *Relay
	// SessionFunction and CallbackFunction are the logical ids of the
	// session and callback functions (their logs: Stack.APIRunner).
	SessionFunction, CallbackFunction string

	creds   idvfake.Credentials
	hmacKey string
}

// startProofing starts the IDV fake when the template is the proofing
// sample's (it has the IdvBaseUrl and CallbackHmacKey parameters); nil
// otherwise.
func startProofing(tb oidcpeer.TB, params []string, log io.Writer) *Proofing {
	if !slices.Contains(params, "IdvBaseUrl") || !slices.Contains(params, "CallbackHmacKey") {
		return nil
	}
	p := &Proofing{
		creds: idvfake.Credentials{
			LicenseKey: "local-license-" + randomHex(8),
			PublicKey:  base64.StdEncoding.EncodeToString([]byte("local-public-key-" + randomHex(8))),
			SharedKey:  randomBytes(32),
			DVCID:      "local-dvc-" + randomHex(4),
		},
		hmacKey: randomHex(32), // 64 characters; at least proofing.MinHMACKeyBytes
	}
	p.IDV = idvfake.New(tb, p.creds)
	fmt.Fprintf(log, "devstack: identity proofing: BlockID IDV fake at %s (session page %s<id>)\n", p.IDV.URL(), idvfake.PathPage)
	return p
}

// HMACKey is the callback HMAC key of this run (a test signs its own
// callbacks with it, as the relay does).
func (p *Proofing) HMACKey() string { return p.hmacKey }

// setParameters gives the proofing parameters their local values.
func (p *Proofing) setParameters(out map[string]string) {
	if p == nil {
		return
	}
	out["IdvBaseUrl"] = idvBaseParam
	out["DvcId"] = p.creds.DVCID
	out["LicenseKey"] = p.creds.LicenseKey
	out["PublicKey"] = p.creds.PublicKey
	out["SharedKey"] = base64.StdEncoding.EncodeToString(p.creds.SharedKey)
	out["CallbackHmacKey"] = p.hmacKey
}

// overrides points the functions at the fake (template.Load logs it).
func (p *Proofing) overrides() map[string]string {
	if p == nil {
		return nil
	}
	return map[string]string{contract.EnvIDVBaseURL: p.IDV.URL()}
}

// start wires the relay to the local HTTP API's callback route; it runs
// after the APIs started.
func (p *Proofing) start(s *Stack, log io.Writer) error {
	if p == nil {
		return nil
	}
	for id, fn := range s.Pool.Functions {
		switch fn.Binary {
		case "proofing-session":
			p.SessionFunction = id
		case "proofing-callback":
			p.CallbackFunction = id
		}
	}
	callback, session := "", ""
	for _, def := range s.Pool.APIs {
		for _, r := range def.Routes {
			switch r.RouteKey {
			case "POST /proofing/callback":
				callback = s.APIURLs[def.LogicalID] + "/proofing/callback"
			case "POST /proofing/session":
				session = s.APIURLs[def.LogicalID] + "/proofing/session"
			}
		}
	}
	if callback == "" || session == "" || p.CallbackFunction == "" {
		return fmt.Errorf("devstack: identity proofing: no local POST /proofing/session and /proofing/callback routes (is the HTTP API served?)")
	}
	p.Relay = &Relay{URL: callback, key: []byte(p.hmacKey), client: &http.Client{Timeout: 10 * time.Second}, log: log}
	p.IDV.SetNotify(func(id string) { p.Relay.Notify(id) })
	// The page calls the route on the API's origin, as a deployed page
	// does: the sample's API allows any origin (CORS, see
	// apps/stacks/proofing.go), and the local API applies its CORS.
	s.proofingSession = session
	s.Config.ProofingSessionURL = session
	fmt.Fprintf(log, "devstack: identity proofing: the relay signs callbacks to %s; the page POSTs %s\n", callback, session)
	return nil
}

// routes adds the page server's LOCAL routes. Neither exists in a
// deployment:
//   - GET /dev/confirmation-code?username=[&purpose=] answers {"code"}:
//     the code Cognito would email (localcognito.Server.PendingCode;
//     purpose SignUp, the default, ForgotPassword or VerifyEmail);
//
// (The page calls POST /proofing/session on the local HTTP API directly.)
func (p *Proofing) routes(mux *http.ServeMux, s *Stack) {
	if p == nil {
		return
	}
	mux.HandleFunc("GET /dev/confirmation-code", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		purpose := r.URL.Query().Get("purpose")
		if purpose == "" {
			purpose = localcognito.PurposeSignUp
		}
		code := s.Cognito.PendingCode(r.URL.Query().Get("username"), purpose)
		if code == "" {
			w.WriteHeader(http.StatusNotFound)
			_ = json.NewEncoder(w).Encode(map[string]string{"error": "no pending " + purpose + " code"})
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]string{"code": code, "note": "LOCAL: a deployment emails this code"})
	})
}

// Relay is the operator's relay in front of the provider: it signs the
// end-of-session notification as lambdas/proofing expects (headers
// contract.HeaderProofingTimestamp and contract.HeaderProofingSignature,
// hex HMAC-SHA256 of "<timestamp>.<body>" under the callback HMAC key)
// and POSTs it to the callback route. It never reports an outcome: the
// body names the session, the callback asks the provider.
type Relay struct {
	// URL is the callback route.
	URL    string
	key    []byte
	client *http.Client
	log    io.Writer

	mu   sync.Mutex
	sent []Sent
}

// Sent is one callback request and its answer.
type Sent struct {
	SessionID, Timestamp, Signature string
	Body                            []byte
	Status                          int
	Answer                          string
}

// Notify signs and sends the callback for a finished session.
func (r *Relay) Notify(sessionID string) Sent {
	body, _ := json.Marshal(proofing.CallbackBody{SessionID: sessionID, Event: CallbackEvent})
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	return r.Send(sessionID, ts, proofing.Sign(r.key, ts, body), body)
}

// Send POSTs a callback as given (a test replays or alters one with it)
// and records it.
func (r *Relay) Send(sessionID, timestamp, signature string, body []byte) Sent {
	s := Sent{SessionID: sessionID, Timestamp: timestamp, Signature: signature, Body: body}
	req, err := http.NewRequest(http.MethodPost, r.URL, bytes.NewReader(body))
	if err == nil {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(contract.HeaderProofingTimestamp, timestamp)
		req.Header.Set(contract.HeaderProofingSignature, signature)
		var resp *http.Response
		if resp, err = r.client.Do(req); err == nil {
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
			resp.Body.Close()
			s.Status, s.Answer = resp.StatusCode, strings.TrimSpace(string(b))
		}
	}
	if err != nil {
		s.Answer = err.Error()
	}
	fmt.Fprintf(r.log, "devstack: relay: callback for session %s: %d %s\n", sessionID, s.Status, s.Answer)
	r.mu.Lock()
	r.sent = append(r.sent, s)
	r.mu.Unlock()
	return s
}

// Sent returns the callbacks sent so far, oldest first.
func (r *Relay) Sent() []Sent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.sent)
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return b
}

func randomHex(n int) string { return hex.EncodeToString(randomBytes(n)) }

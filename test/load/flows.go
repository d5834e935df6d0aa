package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/proofing"
	"github.com/cognitobridge/cognitobridge/test/idvfake"
	"github.com/cognitobridge/cognitobridge/test/localcognito"
	"github.com/cognitobridge/cognitobridge/test/localcognito/devstack"
	"github.com/cognitobridge/cognitobridge/test/localcognito/srp"
)

// The client side of each flow, as the sample pages drive it (Amplify v6
// and @cognitobridge/client), in Go against the local Cognito endpoint.

// signInResult is how one sign-in ended for the client.
type signInResult struct {
	issued bool
	access string // the access token when issued
	id     string // the ID token when issued
	err    error  // why no tokens (the API's error, or a driver failure)
}

// stepUpOptions is how the client behaves in one sign-in.
type stepUpOptions struct {
	// reason is clientMetadata.stepup_reason of signIn and confirmSignIn
	// ("" for none: an ordinary sign-in of an on-demand client).
	reason string
	// providerUser signs in at the provider (-1: the user's own).
	providerUser int
	// noEcho leaves the challenge's stepupBinding out of confirmSignIn's
	// clientMetadata (a client that does not follow the contract, or an
	// attacker replaying an answer elsewhere).
	noEcho bool
}

// signIn runs Amplify's signIn with authFlowType CUSTOM_WITH_SRP and, when
// the pool asks for the step-up, the provider leg and confirmSignIn.
func (s *stack) signIn(ctx context.Context, user int, o stepUpOptions) signInResult {
	md := map[string]string{}
	if o.reason != "" {
		md[contract.MetadataStepUpReason] = o.reason
	}
	r, err := s.passwordStep(ctx, userName(user), devstack.DemoPassword, md)
	if err != nil {
		return signInResult{err: err}
	}
	if r.AuthenticationResult != nil {
		return issued(r.AuthenticationResult)
	}
	if r.ChallengeName != ciptypes.ChallengeNameTypeCustomChallenge {
		return signInResult{err: fmt.Errorf("unexpected challenge %q after the password", r.ChallengeName)}
	}
	pub := r.ChallengeParameters
	pu := user
	if o.providerUser >= 0 {
		pu = o.providerUser
	}
	code, state, err := s.Provider.BrowserLogin(ctx, pub[contract.PublicAuthorizeURL], userName(pu), providerPassword)
	if err != nil {
		return signInResult{err: fmt.Errorf("provider leg: %w", err)}
	}
	answer, _ := json.Marshal(map[string]string{"code": code, "state": state})
	amd := map[string]string{}
	for k, v := range md {
		amd[k] = v
	}
	if !o.noEcho {
		amd[contract.MetadataStepUpBinding] = pub[contract.PublicStepUpBinding]
	}
	name := pub["USERNAME"]
	if name == "" {
		name = userName(user)
	}
	r2, err := s.api.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{
		ClientId: aws.String(s.ClientID), ChallengeName: ciptypes.ChallengeNameTypeCustomChallenge, Session: r.Session,
		ChallengeResponses: map[string]string{"USERNAME": name, "ANSWER": string(answer)}, ClientMetadata: amd,
	})
	switch {
	case err != nil:
		return signInResult{err: err}
	case r2.AuthenticationResult != nil:
		return issued(r2.AuthenticationResult)
	default:
		// Define offers another attempt: the client gives up here.
		return signInResult{err: fmt.Errorf("answer refused, the pool offers %q again", r2.ChallengeName)}
	}
}

// stepUp reports whether tokens were issued with the step-up's claims.
func (r signInResult) stepUp() bool {
	return r.issued && claims(r.access)[contract.ClaimStepUpAt] != nil
}

func issued(a *ciptypes.AuthenticationResultType) signInResult {
	return signInResult{issued: true, access: aws.ToString(a.AccessToken), id: aws.ToString(a.IdToken)}
}

// passwordStep is InitiateAuth (CUSTOM_AUTH with SRP_A) and the
// PASSWORD_VERIFIER answer, as Amplify's CUSTOM_WITH_SRP sends them.
func (s *stack) passwordStep(ctx context.Context, username, password string, md map[string]string) (*cip.RespondToAuthChallengeOutput, error) {
	cl, err := srp.NewClient()
	if err != nil {
		return nil, err
	}
	ia, err := s.api.InitiateAuth(ctx, &cip.InitiateAuthInput{
		ClientId: aws.String(s.ClientID), AuthFlow: ciptypes.AuthFlowTypeCustomAuth, ClientMetadata: md,
		AuthParameters: map[string]string{"USERNAME": username, "SRP_A": cl.SRPAHex(), "CHALLENGE_NAME": "SRP_A"},
	})
	if err != nil {
		return nil, err
	}
	if ia.ChallengeName != ciptypes.ChallengeNameTypePasswordVerifier {
		return nil, fmt.Errorf("challenge %q, want PASSWORD_VERIFIER", ia.ChallengeName)
	}
	p := ia.ChallengeParameters
	ts := srp.Timestamp(s.Clock.Now())
	poolName := s.Pool.Config.PoolID[strings.Index(s.Pool.Config.PoolID, "_")+1:]
	sig, err := cl.Sign(poolName, p["USER_ID_FOR_SRP"], password, p["SALT"], p["SRP_B"], p["SECRET_BLOCK"], ts)
	if err != nil {
		return nil, err
	}
	return s.api.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{
		ClientId: aws.String(s.ClientID), ChallengeName: ciptypes.ChallengeNameTypePasswordVerifier, Session: ia.Session, ClientMetadata: md,
		ChallengeResponses: map[string]string{"USERNAME": p["USER_ID_FOR_SRP"], "PASSWORD_CLAIM_SECRET_BLOCK": p["SECRET_BLOCK"], "PASSWORD_CLAIM_SIGNATURE": sig, "TIMESTAMP": ts},
	})
}

// claims decodes a JWT's payload (the tokens come from the local endpoint;
// the load run reads what they carry, it does not verify them).
func claims(jwt string) map[string]any {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return nil
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil
	}
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m
}

// hostedClient is a browser for the pool domain: it trusts exactly the
// stack's per-run certificate key (Stack.HostedSPKI) and follows no
// redirect.
func (s *stack) hostedClient() *http.Client {
	want := s.HostedSPKI
	return &http.Client{
		Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 64, TLSClientConfig: &tls.Config{
			InsecureSkipVerify: true, // replaced by the key check below
			VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
				if len(raw) == 0 {
					return errors.New("no certificate")
				}
				c, err := x509.ParseCertificate(raw[0])
				if err != nil {
					return err
				}
				sum := sha256.Sum256(c.RawSubjectPublicKeyInfo)
				if base64.StdEncoding.EncodeToString(sum[:]) != want {
					return errors.New("not the pool domain's certificate")
				}
				return nil
			},
		}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second,
	}
}

// federatedSignIn is Amplify's signInWithRedirect with the pool's identity
// provider: the pool domain's /oauth2/authorize, the provider's login as
// providerUser, /oauth2/idpresponse (where Cognito runs pre sign-up, the
// linking decision, on a first sign-in), and the code redeemed at
// /oauth2/token with PKCE.
func (s *stack) federatedSignIn(ctx context.Context, hc *http.Client, providerUser string) signInResult {
	verifier := randomText(32)
	sum := sha256.Sum256([]byte(verifier))
	appState := randomText(16)
	q := url.Values{
		"client_id": {s.ClientID}, "redirect_uri": {s.Config.RedirectSignIn}, "response_type": {"code"},
		"scope": {strings.Join(s.Config.Scopes, " ")}, "state": {appState}, "identity_provider": {s.Config.ProviderName},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
	}
	to, err := location(ctx, hc, s.HostedURL+"/oauth2/authorize?"+q.Encode())
	if err != nil {
		return signInResult{err: fmt.Errorf("authorize: %w", err)}
	}
	code, state, err := s.Provider.BrowserLogin(ctx, to.String(), providerUser, providerPassword)
	if err != nil {
		return signInResult{err: fmt.Errorf("provider leg: %w", err)}
	}
	back, err := location(ctx, hc, s.HostedURL+"/oauth2/idpresponse?"+url.Values{"code": {code}, "state": {state}}.Encode())
	if err != nil {
		return signInResult{err: fmt.Errorf("idpresponse: %w", err)}
	}
	if e := back.Query().Get("error"); e != "" {
		return signInResult{err: fmt.Errorf("the pool answered error=%s: %s", e, back.Query().Get("error_description"))}
	}
	if back.Query().Get("state") != appState || back.Query().Get("code") == "" {
		return signInResult{err: fmt.Errorf("back to the app without a code: %s", back.Redacted())}
	}
	form := url.Values{"grant_type": {"authorization_code"}, "client_id": {s.ClientID}, "code": {back.Query().Get("code")},
		"redirect_uri": {s.Config.RedirectSignIn}, "code_verifier": {verifier}}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.HostedURL+"/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := hc.Do(req)
	if err != nil {
		return signInResult{err: err}
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
		IDToken     string `json:"id_token"`
		Error       string `json:"error"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&tok)
	if resp.StatusCode != http.StatusOK || tok.AccessToken == "" {
		return signInResult{err: fmt.Errorf("token endpoint: %d %s", resp.StatusCode, tok.Error)}
	}
	return signInResult{issued: true, access: tok.AccessToken, id: tok.IDToken}
}

func location(ctx context.Context, hc *http.Client, u string) (*url.URL, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	loc, err := resp.Location()
	if err != nil {
		return nil, fmt.Errorf("status %d, no redirect", resp.StatusCode)
	}
	return loc, nil
}

// proofingSignUp is the identity-proofing sample's sign-up: SignUp with
// the hash of a proofing handle (pre sign-up), the emailed code confirmed,
// the proofing session asked for (the session function starts it at the
// IDV fake), the IDV's outcome, the relay's signed callback (the callback
// function writes the assurance), then token issuance, where pre token
// generation puts custom:ial in the ID token. issued means the ID token
// carries custom:ial 2.
//
// Tokens are issued by the local endpoint directly (IssueTokens, the
// pre token generation trigger runs): the sample's pool requires TOTP MFA
// at sign-in, which this run does not play.
func (s *stack) proofingSignUp(ctx context.Context, email string, documentMatches bool) signInResult {
	handle := randomText(32)
	sum := sha256.Sum256([]byte(handle))
	up, err := s.api.SignUp(ctx, &cip.SignUpInput{
		ClientId: aws.String(s.ClientID), Username: aws.String(email), Password: aws.String(devstack.DemoPassword),
		ValidationData: []ciptypes.AttributeType{{Name: aws.String(contract.ProofingHandleKey), Value: aws.String(hex.EncodeToString(sum[:]))}},
	})
	if err != nil {
		return signInResult{err: fmt.Errorf("sign-up: %w", err)}
	}
	if _, err := s.api.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: aws.String(s.ClientID), Username: aws.String(email),
		ConfirmationCode: aws.String(s.Cognito.PendingCode(email, localcognito.PurposeSignUp))}); err != nil {
		return signInResult{err: fmt.Errorf("confirm: %w", err)}
	}
	user := aws.ToString(up.UserSub)
	body, _ := json.Marshal(proofing.SessionRequest{Username: user, Handle: handle})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.Config.ProofingSessionURL, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return signInResult{err: err}
	}
	var sess proofing.SessionResponse
	err = json.NewDecoder(resp.Body).Decode(&sess)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || sess.SessionURL == "" {
		return signInResult{err: fmt.Errorf("proofing session: %d %s", resp.StatusCode, sess.Reason)}
	}
	su, err := url.Parse(sess.SessionURL)
	if err != nil {
		return signInResult{err: err}
	}
	sid := path.Base(su.Path)
	s.Proofing.IDV.Set(sid, idvfake.Outcome{DocumentMatch: documentMatches, Liveness: true})
	if sent := s.Proofing.Relay.Notify(sid); sent.Status != http.StatusOK && documentMatches {
		return signInResult{err: fmt.Errorf("callback: %d", sent.Status)}
	}
	tok, err := s.Cognito.IssueTokens(ctx, s.ClientID, user, []string{"openid"})
	if err != nil {
		return signInResult{err: fmt.Errorf("tokens: %w", err)}
	}
	if ial, _ := claims(tok.IDToken)[contract.AttrIAL].(string); ial != "2" {
		return signInResult{err: fmt.Errorf("tokens without custom:ial 2 (%q)", ial)}
	}
	return signInResult{issued: true, access: tok.AccessToken, id: tok.IDToken}
}

// pay is the sample page's POST /payments (the gate form), or POST
// /transfers (the one-invocation middleware form) with route "/transfers".
func (s *stack) pay(ctx context.Context, route, access string) (status int, challenge string, err error) {
	body := `{"amount":"125.00","currency":"EUR","to":"DE89370400440532013000"}`
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.APIURL+route, strings.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Authorization", "Bearer "+access)
	req.Header.Set("Content-Type", "application/json")
	resp, err := apiClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, resp.Header.Get("WWW-Authenticate"), nil
}

var apiClient = &http.Client{Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 64}, Timeout: 30 * time.Second}

func randomText(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

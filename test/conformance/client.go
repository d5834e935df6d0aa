package conformance

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base32"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognitobridge/cognitobridge/test/localcognito/srp"
)

// The Go half of the clients: USER_SRP_AUTH with the SRP client of
// test/localcognito/srp (cross-checked there against
// amazon-cognito-identity-js), a TOTP generator, a JWT header reader.

// signIn is the result of an SRP sign-in step: tokens, or the next
// challenge, or the error of the call that failed.
type signIn struct {
	Tokens    *types.AuthenticationResultType
	Challenge types.ChallengeNameType
	Params    map[string]string
	Session   string
	Err       error
	// Step is the operation of Err ("InitiateAuth" or
	// "RespondToAuthChallenge").
	Step string
}

// srpSignIn runs USER_SRP_AUTH for username and answers PASSWORD_VERIFIER
// with password; timestamp formats the TIMESTAMP (nil: the clients'
// format), wait runs between the two calls (nil: none).
func srpSignIn(ctx context.Context, t *Target, p Pool, username, password string, timestamp func(time.Time) string, wait func()) signIn {
	api := t.API(p)
	cl, err := srp.NewClient()
	if err != nil {
		return signIn{Err: err, Step: "client"}
	}
	out, err := api.InitiateAuth(ctx, &cip.InitiateAuthInput{
		AuthFlow:       types.AuthFlowTypeUserSrpAuth,
		ClientId:       aws.String(p.ClientID),
		AuthParameters: map[string]string{"USERNAME": username, "SRP_A": cl.SRPAHex()},
	})
	if err != nil {
		return signIn{Err: err, Step: "InitiateAuth"}
	}
	if out.ChallengeName != types.ChallengeNameTypePasswordVerifier {
		return signIn{Tokens: out.AuthenticationResult, Challenge: out.ChallengeName, Params: out.ChallengeParameters, Session: aws.ToString(out.Session)}
	}
	if wait != nil {
		wait()
	}
	if timestamp == nil {
		timestamp = srp.Timestamp
	}
	cp := out.ChallengeParameters
	ts := timestamp(time.Now())
	sig, err := cl.Sign(p.name(), cp["USER_ID_FOR_SRP"], password, cp["SALT"], cp["SRP_B"], lenientBase64(cp["SECRET_BLOCK"]), ts)
	if err != nil {
		return signIn{Err: err, Step: "client"}
	}
	r, err := api.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{
		ClientId:      aws.String(p.ClientID),
		ChallengeName: types.ChallengeNameTypePasswordVerifier,
		Session:       out.Session,
		ChallengeResponses: map[string]string{
			"USERNAME":                    cp["USERNAME"],
			"PASSWORD_CLAIM_SECRET_BLOCK": cp["SECRET_BLOCK"],
			"PASSWORD_CLAIM_SIGNATURE":    sig,
			"TIMESTAMP":                   ts,
		},
	})
	if err != nil {
		return signIn{Err: err, Step: "RespondToAuthChallenge"}
	}
	return signIn{Tokens: r.AuthenticationResult, Challenge: r.ChallengeName, Params: r.ChallengeParameters, Session: aws.ToString(r.Session)}
}

// outcome is the observation of a sign-in: "tokens", "challenge X", or the
// error type.
func (s signIn) outcome() string {
	switch {
	case s.Err != nil && s.Step == "client":
		return "client error"
	case s.Err != nil:
		return errCode(s.Err)
	case s.Tokens != nil && s.Tokens.AccessToken != nil:
		return "tokens"
	case s.Challenge != "":
		return "challenge " + string(s.Challenge)
	}
	return "no tokens, no challenge"
}

// lenientBase64 re-encodes SECRET_BLOCK the way amazon-cognito-identity-js
// reads it (Buffer.from(s, "base64") skips characters outside the
// alphabet), so a server whose SECRET_BLOCK is not base64 (moto sends a
// UUID) can still be answered as the JS client answers it. The answer
// carries the SECRET_BLOCK as received.
func lenientBase64(s string) string {
	if _, err := base64.StdEncoding.DecodeString(s); err == nil {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '+' || r == '/' {
			b.WriteRune(r)
		}
	}
	clean := b.String()
	if len(clean)%4 == 1 { // a lone trailing sextet carries no byte
		clean = clean[:len(clean)-1]
	}
	raw, _ := base64.RawStdEncoding.DecodeString(clean)
	return base64.StdEncoding.EncodeToString(raw)
}

// totp is RFC 6238 with Cognito's parameters (SHA-1, 6 digits, 30 s), for
// a base32 SecretCode as AssociateSoftwareToken returns it.
func totp(secret string, at time.Time) (string, error) {
	s := strings.ToUpper(strings.TrimRight(secret, "="))
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(s)
	if err != nil {
		return "", fmt.Errorf("SecretCode is not base32: %w", err)
	}
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(at.Unix()/30))
	m := hmac.New(sha1.New, key)
	m.Write(msg[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	code := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	return fmt.Sprintf("%06d", code%1_000_000), nil
}

// jwtHeader decodes the protected header of a compact JWT.
func jwtHeader(tok string) (map[string]any, error) {
	part, _, ok := strings.Cut(tok, ".")
	if !ok {
		return nil, fmt.Errorf("not a JWT")
	}
	raw, err := base64.RawURLEncoding.DecodeString(part)
	if err != nil {
		return nil, err
	}
	var h map[string]any
	return h, json.Unmarshal(raw, &h)
}

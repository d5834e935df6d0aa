package e2e

import (
	"encoding/json"
	"testing"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/test/localcognito"
)

// This file is a small fake of Amazon Cognito's custom authentication
// orchestration, written from AWS's public documentation ("Custom
// authentication challenge Lambda triggers", and the Define auth challenge,
// Create auth challenge and Verify auth challenge response trigger pages of
// the Amazon Cognito Developer Guide), not from Cognito's code, which is not
// public. Its event types are the documented shapes of test/localcognito
// (events.go), written from the documented JSON on purpose independently of
// the handler's own Go types, so a field name the handler gets wrong fails
// here.
//
// What it does, as documented: InitiateAuth with CUSTOM_AUTH invokes Define
// with a session that holds SRP_A (challengeResult true) when the client
// sent SRP_A, else an empty session. When Define asks for
// PASSWORD_VERIFIER, Cognito checks the client's SRP proof itself (no
// trigger) and appends the outcome; when it asks for CUSTOM_CHALLENGE,
// Cognito invokes Create with that challenge name and the session, sends the
// public parameters to the client, passes the client's answer and the
// private parameters to Verify, and appends {CUSTOM_CHALLENGE, answerCorrect,
// challengeMetadata} before invoking Define again. issueTokens ends with
// tokens, failAuthentication (or a trigger error) with NotAuthorizedException.
//
// ClientMetadata is routed as AWS documents it (Knowledge Center,
// "cognito-clientmetadata-lambda-trigger"): InitiateAuth's reaches none of
// these triggers; each RespondToAuthChallenge's reaches the Verify, Define
// and Create invocations it causes and, when it ends the sign-in with
// tokens, pre token generation (the guard, a version 2 event, as the
// construct configures it by default).
//
// What it does not do: the SRP arithmetic (the password step's outcome is an
// input), the session token and its 3-minute lifetime, and Cognito's own
// limits; moto and cognito-local do not run custom-auth triggers at all.

// cognito is the fake pool: one app client, the three custom-auth triggers
// and, when guard is set, the pre token generation trigger.
type cognito struct {
	poolID, clientID       string
	define, create, verify *function
	guard                  *function
}

// poolUser is a user as Cognito would present it to the triggers.
type poolUser struct {
	name     string
	attrs    map[string]string
	notFound bool // PreventUserExistenceErrors: an unknown user, userNotFound=true
}

// client is how the app behaves during one sign-in.
type client struct {
	// srp: the client sends SRP_A with CUSTOM_AUTH (USER_SRP_AUTH style).
	srp bool
	// passwordOK is the outcome of the password step (PASSWORD_VERIFIER).
	passwordOK bool
	// answer returns the challengeAnswer for the n-th custom challenge
	// (from 0), or ok=false to abandon the sign-in.
	answer func(t *testing.T, n int, public map[string]string) (answer string, ok bool)
	// passwordMetadata is the ClientMetadata of the PASSWORD_VERIFIER
	// answer (Amplify: signIn's options.clientMetadata).
	passwordMetadata map[string]string
	// metadata returns the ClientMetadata of the RespondToAuthChallenge that
	// answers a custom challenge (Amplify: confirmSignIn's
	// options.clientMetadata). Default: the documented client contract,
	// echoing the challenge's stepupBinding.
	metadata func(public map[string]string) map[string]string
	// beforeTokens runs after Define decided to issue tokens and before
	// Cognito runs pre token generation: where a racing sign-in lands.
	beforeTokens func()
}

// echoBinding is the client contract: the answer's ClientMetadata carries
// the challenge's stepupBinding.
func echoBinding(public map[string]string) map[string]string {
	return map[string]string{contract.MetadataStepUpBinding: public[contract.PublicStepUpBinding]}
}

// signIn is the record of one sign-in.
type signIn struct {
	issued, failed bool
	abandoned      bool
	createFailed   bool
	// defines lists Define's answers: a challenge name, "issueTokens" or
	// "failAuthentication".
	defines  []string
	creates  []localcognito.CreateAuthChallengeEvent
	verifies []bool
	// guardRefused: Define issued tokens but pre token generation refused.
	guardRefused bool
	// claims are what pre token generation added to the access token.
	claims map[string]any
}

func (c *cognito) header(trigger string, u poolUser) localcognito.EventHeader {
	return localcognito.EventHeader{
		Version:       "1",
		TriggerSource: trigger,
		Region:        region,
		UserPoolID:    c.poolID,
		UserName:      u.name,
		CallerContext: localcognito.CallerContext{AWSSDKVersion: "aws-sdk-js-3.0.0", ClientID: c.clientID},
	}
}

// run drives one sign-in of u by cl to its end.
func (c *cognito) run(t *testing.T, u poolUser, cl client) signIn {
	t.Helper()
	attrs := u.attrs
	if attrs == nil {
		attrs = map[string]string{}
	}
	var session []localcognito.SessionEntry
	if cl.srp {
		session = append(session, localcognito.SessionEntry{ChallengeName: localcognito.ChallengeSRPA, ChallengeResult: true})
	}
	var rec signIn
	// The ClientMetadata of the call in progress: none for InitiateAuth.
	var md map[string]string
	for step := 0; step < 20; step++ {
		round := localcognito.ChallengeRound{Header: c.header("", u), UserAttributes: attrs, UserNotFound: u.notFound, Metadata: md}
		d := round.Define(session)
		if err := c.define.invoke(t, d, &d); err != nil {
			rec.failed = true
			rec.defines = append(rec.defines, "error")
			return rec
		}
		r := d.Response
		switch {
		case r.FailAuthentication:
			rec.defines = append(rec.defines, "failAuthentication")
			rec.failed = true
			return rec
		case r.IssueTokens:
			rec.defines = append(rec.defines, "issueTokens")
			if cl.beforeTokens != nil {
				cl.beforeTokens()
			}
			claims, err := c.generateTokens(t, u, attrs, md)
			if err != nil {
				rec.guardRefused, rec.failed = true, true
				return rec
			}
			rec.issued, rec.claims = true, claims
			return rec
		}
		rec.defines = append(rec.defines, r.ChallengeName)
		switch r.ChallengeName {
		case localcognito.ChallengePassword:
			md = cl.passwordMetadata
			session = append(session, localcognito.SessionEntry{ChallengeName: localcognito.ChallengePassword, ChallengeResult: cl.passwordOK})
		case localcognito.ChallengeCustom:
			ce := round.Create(session)
			if err := c.create.invoke(t, ce, &ce); err != nil {
				rec.createFailed, rec.failed = true, true
				return rec
			}
			rec.creates = append(rec.creates, ce)
			answer, ok := cl.answer(t, len(rec.verifies), ce.Response.PublicChallengeParameters)
			if !ok {
				rec.abandoned = true
				return rec
			}
			md = echoBinding(ce.Response.PublicChallengeParameters)
			if cl.metadata != nil {
				md = cl.metadata(ce.Response.PublicChallengeParameters)
			}
			round.Metadata = md
			ve := round.Verify(ce.Response.PrivateChallengeParameters, answer)
			if err := c.verify.invoke(t, ve, &ve); err != nil {
				// Cognito fails the sign-in when Verify errors.
				rec.failed = true
				return rec
			}
			rec.verifies = append(rec.verifies, ve.Response.AnswerCorrect)
			session = append(session, localcognito.SessionEntry{
				ChallengeName:     localcognito.ChallengeCustom,
				ChallengeResult:   ve.Response.AnswerCorrect,
				ChallengeMetadata: ce.Response.ChallengeMetadata,
			})
		default:
			t.Fatalf("Define asked for challenge %q, which this pool cannot serve", r.ChallengeName)
		}
	}
	t.Fatal("sign-in did not end after 20 Define invocations")
	return rec
}

// generateTokens is Cognito's token issuance: without a guard it issues;
// with one it invokes pre token generation (version 2) with the ClientMetadata
// of the call that ends the sign-in, and issues only when it succeeds. It
// returns the claims the guard added to the access token.
func (c *cognito) generateTokens(t *testing.T, u poolUser, attrs map[string]string, md map[string]string) (map[string]any, error) {
	t.Helper()
	if c.guard == nil {
		return nil, nil
	}
	var ev localcognito.PreTokenGenerationEventV2
	ev.EventHeader = c.header("TokenGeneration_Authentication", u)
	ev.Version = "2"
	ev.Request.UserAttributes = attrs
	ev.Request.GroupConfiguration.GroupsToOverride = []string{}
	ev.Request.GroupConfiguration.IAMRolesToOverride = []string{}
	ev.Request.Scopes = []string{"aws.cognito.signin.user.admin"}
	ev.Request.ClientMetadata = md
	if err := c.guard.invoke(t, ev, &ev); err != nil {
		return nil, err
	}
	var claims map[string]any
	if d := ev.Response.ClaimsAndScopeOverrideDetails; d != nil && d.AccessTokenGeneration != nil {
		claims = d.AccessTokenGeneration.ClaimsToAddOrOverride
	}
	return claims, nil
}

// passwordOnly is a plain USER_SRP_AUTH sign-in on a client that allows it
// (a user's own client, or AllowUserSrpAuth): Cognito checks the password
// itself, runs no custom-auth trigger, and goes straight to token issuance
// with the ClientMetadata of the PASSWORD_VERIFIER answer, which the
// attacker chooses. It reports whether tokens were issued and their claims.
func (c *cognito) passwordOnly(t *testing.T, u poolUser, md map[string]string) (bool, map[string]any) {
	t.Helper()
	claims, err := c.generateTokens(t, u, u.attrs, md)
	return err == nil, claims
}

// answerJSON is the challengeAnswer an app sends: the JSON object
// {"code","state"} as a string.
func answerJSON(code, state string) string {
	b, _ := json.Marshal(map[string]string{"code": code, "state": state})
	return string(b)
}

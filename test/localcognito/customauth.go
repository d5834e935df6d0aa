package localcognito

// Challenge names of the custom authentication flow, as Define answers them
// and the session records them.
const (
	ChallengeSRPA     = "SRP_A"
	ChallengePassword = "PASSWORD_VERIFIER"
	ChallengeCustom   = "CUSTOM_CHALLENGE"
)

// Trigger sources of the custom authentication triggers.
const (
	SourceDefine = "DefineAuthChallenge_Authentication"
	SourceCreate = "CreateAuthChallenge_Authentication"
	SourceVerify = "VerifyAuthChallengeResponse_Authentication"
)

// ChallengeRound is what Cognito hands each custom authentication trigger
// it invokes for one call of a sign-in: the user as the pool knows it and
// the ClientMetadata of the call in progress. This endpoint builds its
// trigger events with it, and so does test/e2e's driver of the same flow,
// so both send the documented shapes the same way.
//
// DOCUMENTED (Knowledge Center, "cognito-clientmetadata-lambda-trigger"):
// InitiateAuth's ClientMetadata reaches none of these triggers (Metadata
// nil); each RespondToAuthChallenge's reaches the Verify, Define and Create
// invocations it causes.
type ChallengeRound struct {
	// Header is the events' shared members; each event sets its own
	// TriggerSource.
	Header         EventHeader
	UserAttributes map[string]string
	// UserNotFound: PreventUserExistenceErrors and an unknown user.
	UserNotFound bool
	Metadata     map[string]string
}

// Each event gets its own copies of the round's maps: the local endpoint
// reads a function's whole answer back into the event, and what one trigger
// echoes must not reach the next one's event (Cognito builds each event
// from its own record).
//
// Define is the Define auth challenge event for the session so far. The
// session is copied (the handler's answer cannot change the caller's
// record) and never null: Cognito sends [] before the first challenge.
func (r ChallengeRound) Define(session []SessionEntry) DefineAuthChallengeEvent {
	var ev DefineAuthChallengeEvent
	ev.EventHeader = r.header(SourceDefine)
	ev.Request.UserAttributes = maps(r.UserAttributes)
	ev.Request.Session = append([]SessionEntry{}, session...)
	ev.Request.ClientMetadata = maps(r.Metadata)
	ev.Request.UserNotFound = r.UserNotFound
	return ev
}

// Create is the Create auth challenge event for a CUSTOM_CHALLENGE that
// Define asked for after session.
func (r ChallengeRound) Create(session []SessionEntry) CreateAuthChallengeEvent {
	var ev CreateAuthChallengeEvent
	ev.EventHeader = r.header(SourceCreate)
	ev.Request.UserAttributes = maps(r.UserAttributes)
	ev.Request.ChallengeName = ChallengeCustom
	ev.Request.Session = append([]SessionEntry{}, session...)
	ev.Request.ClientMetadata = maps(r.Metadata)
	ev.Request.UserNotFound = r.UserNotFound
	return ev
}

// Verify is the Verify auth challenge response event for answer to the
// challenge Create made with private.
func (r ChallengeRound) Verify(private map[string]string, answer string) VerifyAuthChallengeEvent {
	var ev VerifyAuthChallengeEvent
	ev.EventHeader = r.header(SourceVerify)
	ev.Request.UserAttributes = maps(r.UserAttributes)
	ev.Request.PrivateChallengeParameters = private
	ev.Request.ChallengeAnswer = answer
	ev.Request.ClientMetadata = maps(r.Metadata)
	ev.Request.UserNotFound = r.UserNotFound
	return ev
}

func (r ChallengeRound) header(source string) EventHeader {
	h := r.Header
	h.TriggerSource = source
	return h
}

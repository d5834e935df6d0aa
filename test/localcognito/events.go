package localcognito

// Trigger event shapes, written from the JSON AWS documents in the Amazon
// Cognito Developer Guide (one page per trigger), on purpose independent of
// the handlers' own Go types (and of aws-lambda-go's), so a field name a
// handler gets wrong fails against this endpoint. They are the one copy of
// these shapes in the tree: this endpoint sends them, and test/e2e's fake of
// Cognito's custom authentication (cognito_test.go) and the lambdarun tests
// build them. This file must not import lambdas/*: a shape taken from the
// handlers would agree with them by construction.
//
// DOCUMENTED: "Custom authentication challenge Lambda triggers", "Define auth
// challenge", "Create auth challenge", "Verify auth challenge response",
// "Pre sign-up", "Post confirmation", "Pre authentication", "Post
// authentication" and "Pre token generation" Lambda trigger pages.
type (
	// CallerContext is the event's callerContext.
	CallerContext struct {
		AWSSDKVersion string `json:"awsSdkVersion"`
		ClientID      string `json:"clientId"`
	}
	// EventHeader holds the members every trigger event shares.
	EventHeader struct {
		Version       string        `json:"version"`
		TriggerSource string        `json:"triggerSource"`
		Region        string        `json:"region"`
		UserPoolID    string        `json:"userPoolId"`
		UserName      string        `json:"userName"`
		CallerContext CallerContext `json:"callerContext"`
	}
	// SessionEntry is one entry of a custom-auth event's request.session.
	SessionEntry struct {
		ChallengeName     string `json:"challengeName"`
		ChallengeResult   bool   `json:"challengeResult"`
		ChallengeMetadata string `json:"challengeMetadata,omitempty"`
	}
	// DefineAuthChallengeEvent is the Define auth challenge event.
	DefineAuthChallengeEvent struct {
		EventHeader
		Request struct {
			UserAttributes map[string]string `json:"userAttributes"`
			Session        []SessionEntry    `json:"session"`
			ClientMetadata map[string]string `json:"clientMetadata,omitempty"`
			UserNotFound   bool              `json:"userNotFound"`
		} `json:"request"`
		Response struct {
			ChallengeName      string `json:"challengeName"`
			IssueTokens        bool   `json:"issueTokens"`
			FailAuthentication bool   `json:"failAuthentication"`
		} `json:"response"`
	}
	// CreateAuthChallengeEvent is the Create auth challenge event.
	CreateAuthChallengeEvent struct {
		EventHeader
		Request struct {
			UserAttributes map[string]string `json:"userAttributes"`
			ChallengeName  string            `json:"challengeName"`
			Session        []SessionEntry    `json:"session"`
			ClientMetadata map[string]string `json:"clientMetadata,omitempty"`
			UserNotFound   bool              `json:"userNotFound"`
		} `json:"request"`
		Response struct {
			PublicChallengeParameters  map[string]string `json:"publicChallengeParameters"`
			PrivateChallengeParameters map[string]string `json:"privateChallengeParameters"`
			ChallengeMetadata          string            `json:"challengeMetadata"`
		} `json:"response"`
	}
	// VerifyAuthChallengeEvent is the Verify auth challenge response event.
	VerifyAuthChallengeEvent struct {
		EventHeader
		Request struct {
			UserAttributes             map[string]string `json:"userAttributes"`
			PrivateChallengeParameters map[string]string `json:"privateChallengeParameters"`
			ChallengeAnswer            string            `json:"challengeAnswer"`
			ClientMetadata             map[string]string `json:"clientMetadata,omitempty"`
			UserNotFound               bool              `json:"userNotFound"`
		} `json:"request"`
		Response struct {
			AnswerCorrect bool `json:"answerCorrect"`
		} `json:"response"`
	}
	// GroupConfiguration is a pre token generation event's
	// request.groupConfiguration.
	GroupConfiguration struct {
		GroupsToOverride   []string `json:"groupsToOverride"`
		IAMRolesToOverride []string `json:"iamRolesToOverride"`
		PreferredRole      *string  `json:"preferredRole"`
	}
	// PreTokenGenerationEventV1: version "1", response.claimsOverrideDetails
	// applies to the ID token only.
	PreTokenGenerationEventV1 struct {
		EventHeader
		Request struct {
			UserAttributes     map[string]string  `json:"userAttributes"`
			GroupConfiguration GroupConfiguration `json:"groupConfiguration"`
			ClientMetadata     map[string]string  `json:"clientMetadata,omitempty"`
		} `json:"request"`
		Response struct {
			ClaimsOverrideDetails *struct {
				ClaimsToAddOrOverride map[string]any `json:"claimsToAddOrOverride"`
				ClaimsToSuppress      []string       `json:"claimsToSuppress"`
			} `json:"claimsOverrideDetails"`
		} `json:"response"`
	}
	// PreTokenGenerationEventV2 (also V3_0, event version "2"/"3"):
	// response.claimsAndScopeOverrideDetails for both tokens.
	PreTokenGenerationEventV2 struct {
		EventHeader
		Request struct {
			UserAttributes     map[string]string  `json:"userAttributes"`
			GroupConfiguration GroupConfiguration `json:"groupConfiguration"`
			Scopes             []string           `json:"scopes"`
			ClientMetadata     map[string]string  `json:"clientMetadata,omitempty"`
		} `json:"request"`
		Response struct {
			ClaimsAndScopeOverrideDetails *struct {
				IDTokenGeneration *struct {
					ClaimsToAddOrOverride map[string]any `json:"claimsToAddOrOverride"`
					ClaimsToSuppress      []string       `json:"claimsToSuppress"`
				} `json:"idTokenGeneration"`
				AccessTokenGeneration *struct {
					ClaimsToAddOrOverride map[string]any `json:"claimsToAddOrOverride"`
					ClaimsToSuppress      []string       `json:"claimsToSuppress"`
					ScopesToAdd           []string       `json:"scopesToAdd"`
					ScopesToSuppress      []string       `json:"scopesToSuppress"`
				} `json:"accessTokenGeneration"`
			} `json:"claimsAndScopeOverrideDetails"`
		} `json:"response"`
	}
	// PreSignUpEvent is the Pre sign-up event.
	PreSignUpEvent struct {
		EventHeader
		Request struct {
			UserAttributes map[string]string `json:"userAttributes"`
			ValidationData map[string]string `json:"validationData"`
			ClientMetadata map[string]string `json:"clientMetadata,omitempty"`
		} `json:"request"`
		Response struct {
			AutoConfirmUser bool `json:"autoConfirmUser"`
			AutoVerifyEmail bool `json:"autoVerifyEmail"`
			AutoVerifyPhone bool `json:"autoVerifyPhone"`
		} `json:"response"`
	}
	// PostConfirmationEvent is the Post confirmation event.
	PostConfirmationEvent struct {
		EventHeader
		Request struct {
			UserAttributes map[string]string `json:"userAttributes"`
			ClientMetadata map[string]string `json:"clientMetadata,omitempty"`
		} `json:"request"`
		Response struct{} `json:"response"`
	}
	// PreAuthenticationEvent is the Pre authentication event.
	// DOCUMENTED: InitiateAuth API reference, ClientMetadata: the payload
	// "contains a validationData attribute with the data that you assigned
	// to the ClientMetadata parameter in your InitiateAuth request".
	PreAuthenticationEvent struct {
		EventHeader
		Request struct {
			UserAttributes map[string]string `json:"userAttributes"`
			ValidationData map[string]string `json:"validationData,omitempty"`
			UserNotFound   bool              `json:"userNotFound"`
		} `json:"request"`
		Response struct{} `json:"response"`
	}
	// PostAuthenticationEvent is the Post authentication event.
	PostAuthenticationEvent struct {
		EventHeader
		Request struct {
			UserAttributes map[string]string `json:"userAttributes"`
			NewDeviceUsed  bool              `json:"newDeviceUsed"`
			ClientMetadata map[string]string `json:"clientMetadata,omitempty"`
		} `json:"request"`
		Response struct{} `json:"response"`
	}
)

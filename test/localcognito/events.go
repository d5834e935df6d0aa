package localcognito

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Trigger event shapes, written from the JSON AWS documents in the Amazon
// Cognito Developer Guide (one page per trigger), on purpose independent of
// the handlers' own Go types (and of aws-lambda-go's), so a field name a
// handler gets wrong fails against this endpoint. The custom-auth shapes are
// the ones of the test fake in test/e2e/cognito_test.go.
//
// DOCUMENTED: "Custom authentication challenge Lambda triggers", "Define auth
// challenge", "Create auth challenge", "Verify auth challenge response",
// "Pre sign-up", "Post confirmation", "Pre authentication", "Post
// authentication" and "Pre token generation" Lambda trigger pages.
type (
	callerContext struct {
		AWSSDKVersion string `json:"awsSdkVersion"`
		ClientID      string `json:"clientId"`
	}
	eventHeader struct {
		Version       string        `json:"version"`
		TriggerSource string        `json:"triggerSource"`
		Region        string        `json:"region"`
		UserPoolID    string        `json:"userPoolId"`
		UserName      string        `json:"userName"`
		CallerContext callerContext `json:"callerContext"`
	}
	sessionEntry struct {
		ChallengeName     string `json:"challengeName"`
		ChallengeResult   bool   `json:"challengeResult"`
		ChallengeMetadata string `json:"challengeMetadata,omitempty"`
	}
	defineEvent struct {
		eventHeader
		Request struct {
			UserAttributes map[string]string `json:"userAttributes"`
			Session        []sessionEntry    `json:"session"`
			ClientMetadata map[string]string `json:"clientMetadata,omitempty"`
			UserNotFound   bool              `json:"userNotFound"`
		} `json:"request"`
		Response struct {
			ChallengeName      string `json:"challengeName"`
			IssueTokens        bool   `json:"issueTokens"`
			FailAuthentication bool   `json:"failAuthentication"`
		} `json:"response"`
	}
	createEvent struct {
		eventHeader
		Request struct {
			UserAttributes map[string]string `json:"userAttributes"`
			ChallengeName  string            `json:"challengeName"`
			Session        []sessionEntry    `json:"session"`
			ClientMetadata map[string]string `json:"clientMetadata,omitempty"`
			UserNotFound   bool              `json:"userNotFound"`
		} `json:"request"`
		Response struct {
			PublicChallengeParameters  map[string]string `json:"publicChallengeParameters"`
			PrivateChallengeParameters map[string]string `json:"privateChallengeParameters"`
			ChallengeMetadata          string            `json:"challengeMetadata"`
		} `json:"response"`
	}
	verifyEvent struct {
		eventHeader
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
	groupConfiguration struct {
		GroupsToOverride   []string `json:"groupsToOverride"`
		IAMRolesToOverride []string `json:"iamRolesToOverride"`
		PreferredRole      *string  `json:"preferredRole"`
	}
	// preTokenEventV1: version "1", response.claimsOverrideDetails applies
	// to the ID token only.
	preTokenEventV1 struct {
		eventHeader
		Request struct {
			UserAttributes     map[string]string  `json:"userAttributes"`
			GroupConfiguration groupConfiguration `json:"groupConfiguration"`
			ClientMetadata     map[string]string  `json:"clientMetadata,omitempty"`
		} `json:"request"`
		Response struct {
			ClaimsOverrideDetails *struct {
				ClaimsToAddOrOverride map[string]any `json:"claimsToAddOrOverride"`
				ClaimsToSuppress      []string       `json:"claimsToSuppress"`
			} `json:"claimsOverrideDetails"`
		} `json:"response"`
	}
	// preTokenEventV2 (also V3_0, event version "2"/"3"):
	// response.claimsAndScopeOverrideDetails for both tokens.
	preTokenEventV2 struct {
		eventHeader
		Request struct {
			UserAttributes     map[string]string  `json:"userAttributes"`
			GroupConfiguration groupConfiguration `json:"groupConfiguration"`
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
	preSignUpEvent struct {
		eventHeader
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
	postConfirmationEvent struct {
		eventHeader
		Request struct {
			UserAttributes map[string]string `json:"userAttributes"`
			ClientMetadata map[string]string `json:"clientMetadata,omitempty"`
		} `json:"request"`
		Response struct{} `json:"response"`
	}
	// preAuthEvent: DOCUMENTED: InitiateAuth API reference, ClientMetadata:
	// the payload "contains a validationData attribute with the data that
	// you assigned to the ClientMetadata parameter in your InitiateAuth
	// request".
	preAuthEvent struct {
		eventHeader
		Request struct {
			UserAttributes map[string]string `json:"userAttributes"`
			ValidationData map[string]string `json:"validationData,omitempty"`
			UserNotFound   bool              `json:"userNotFound"`
		} `json:"request"`
		Response struct{} `json:"response"`
	}
	postAuthEvent struct {
		eventHeader
		Request struct {
			UserAttributes map[string]string `json:"userAttributes"`
			NewDeviceUsed  bool              `json:"newDeviceUsed"`
			ClientMetadata map[string]string `json:"clientMetadata,omitempty"`
		} `json:"request"`
		Response struct{} `json:"response"`
	}
)

// Trigger sources, as documented per trigger.
const (
	srcPreSignUp        = "PreSignUp_SignUp"
	srcPostConfirmation = "PostConfirmation_ConfirmSignUp"
	srcPreAuth          = "PreAuthentication_Authentication"
	srcPostAuth         = "PostAuthentication_Authentication"
	srcDefine           = "DefineAuthChallenge_Authentication"
	srcCreate           = "CreateAuthChallenge_Authentication"
	srcVerify           = "VerifyAuthChallengeResponse_Authentication"
	srcTokenAuth        = "TokenGeneration_Authentication"
	srcTokenRefresh     = "TokenGeneration_RefreshTokens"
)

// triggerBudget is how long a trigger may run.
// DOCUMENTED: "Using Lambda triggers": Amazon Cognito waits 5 seconds for a
// function's response and then gives up (it retries some throttling errors;
// this endpoint does not).
const triggerBudget = 5 * time.Second

func (s *Server) header(source, userName, clientID string) eventHeader {
	return eventHeader{
		Version:       "1",
		TriggerSource: source,
		Region:        s.cfg.Region,
		UserPoolID:    s.cfg.PoolID,
		UserName:      userName,
		CallerContext: callerContext{AWSSDKVersion: "aws-sdk-unknown-unknown", ClientID: clientID},
	}
}

func (s *Server) has(slot Slot) bool {
	return s.cfg.Triggers != nil && s.cfg.Triggers.Has(slot)
}

// invoke runs slot with ev and decodes the function's response document
// into ev (the response fills the event's "response" member). Errors are
// the API errors Cognito reports for trigger failures (messages as
// observed by users of Cognito: "<Trigger> failed with error <message>.").
func (s *Server) invoke(ctx context.Context, slot Slot, ev any) *apiError {
	in, err := json.Marshal(ev)
	if err != nil {
		return errf(eInternal, "Internal error")
	}
	ctx, cancel := context.WithTimeout(ctx, triggerBudget)
	defer cancel()
	out, err := s.cfg.Triggers.Invoke(ctx, slot, in)
	name := string(slot)
	switch {
	case err == nil:
	case errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil:
		return &apiError{Type: eUnexpectedLambda, Message: fmt.Sprintf("%s failed due to error Socket timeout while invoking Lambda function.", name), reason: name + " timed out"}
	case errors.Is(err, ErrTriggerFailed):
		msg := strings.TrimPrefix(err.Error(), ErrTriggerFailed.Error())
		msg = strings.TrimLeft(msg, ": ")
		return &apiError{Type: eLambdaValidation, Message: fmt.Sprintf("%s failed with error %s.", name, msg), reason: name + " failed"}
	default:
		return &apiError{Type: eUnexpectedLambda, Message: fmt.Sprintf("%s invocation failed.", name), reason: name + " runner: " + err.Error()}
	}
	if err := json.Unmarshal(out, ev); err != nil {
		return &apiError{Type: eInvalidLambdaResp, Message: "Invalid lambda response", reason: name + " returned an unreadable response"}
	}
	return nil
}

// Package cognitoevent holds the part of the wire format that every Amazon
// Cognito user pool trigger event shares (Cognito developer guide, "Lambda
// trigger common parameters"). Trigger event types embed Header, so its
// fields sit at the top level of the event's JSON next to request and
// response.
package cognitoevent

// CallerContext is the callerContext object of a Cognito trigger event.
type CallerContext struct {
	// AWSSDKVersion is the SDK version of the caller.
	AWSSDKVersion string `json:"awsSdkVersion"`
	// ClientID is the app client id.
	ClientID string `json:"clientId"`
}

// Header holds the fields common to every Cognito trigger event.
type Header struct {
	// Version is the trigger event version.
	Version string `json:"version"`
	// TriggerSource names the trigger, e.g. DefineAuthChallenge_Authentication.
	TriggerSource string `json:"triggerSource"`
	// Region is the AWS region of the user pool.
	Region string `json:"region"`
	// UserPoolID is the user pool id.
	UserPoolID string `json:"userPoolId"`
	// UserName is the Cognito user name; handlers log it only as a hash.
	UserName string `json:"userName"`
	// CallerContext describes the calling app client.
	CallerContext CallerContext `json:"callerContext"`
}

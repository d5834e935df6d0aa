// Package enrollment names the durable binding between a Cognito user
// (user pool id + Cognito sub) and the provider identity (issuer + the
// provider's sub) that the step-up proves. Only the backend writes it: the
// Verify trigger on a user's first passing step-up (EnrollmentFirstUse), or an
// administrator. It lives in the step-up table as an item of its own,
// without a TTL, next to the short-lived step-up records.
package enrollment

import (
	"errors"
	"strings"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// maxKeyPart bounds pool id and sub (DynamoDB keys are at most 2048 bytes).
const maxKeyPart = 512

// ErrInvalidKey is returned for an empty or unusable pool id or sub.
var ErrInvalidKey = errors.New("enrollment: invalid user pool id or sub")

// Key returns the partition key of the user's enrollment item:
// contract.EnrollmentKeyPrefix + "<userPoolId>#<sub>". A pool id never
// contains '#', so the key cannot collide with a step-up record's.
func Key(poolID, sub string) (string, error) {
	if poolID == "" || sub == "" || strings.ContainsRune(poolID, '#') || len(poolID) > maxKeyPart || len(sub) > maxKeyPart {
		return "", ErrInvalidKey
	}
	return contract.EnrollmentKeyPrefix + poolID + "#" + sub, nil
}

// Identity is a provider identity: the ID token's iss and sub.
type Identity struct {
	Issuer  string
	Subject string
}

// Valid reports whether both parts are present and bounded.
func (i Identity) Valid() bool {
	return i.Issuer != "" && i.Subject != "" && len(i.Issuer) <= maxKeyPart && len(i.Subject) <= maxKeyPart
}

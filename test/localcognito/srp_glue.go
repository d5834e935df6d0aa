package localcognito

import (
	"fmt"

	"github.com/cognitobridge/cognitobridge/test/localcognito/srp"
)

func init() { srpImpl = srpPackage{} }

// srpPackage binds srpEngine to package srp.
type srpPackage struct{}

func (srpPackage) NewVerifier(poolName, userID, password string) (any, error) {
	return srp.NewVerifier(poolName, userID, password)
}

func (srpPackage) Start(v any, srpAHex string) (srpSession, error) {
	sv, ok := v.(srp.Verifier)
	if !ok {
		return nil, fmt.Errorf("localcognito: no SRP verifier")
	}
	return srp.Start(sv, srpAHex)
}

func (srpPackage) Decoy(poolName, userID string, salt []byte) (any, error) {
	return srp.VerifierWithSalt(poolName, userID, randomHex(16), salt), nil
}

func (srpPackage) Matches(v any, poolName, userID, password string) bool {
	sv, ok := v.(srp.Verifier)
	return ok && sv.Matches(poolName, userID, password)
}

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

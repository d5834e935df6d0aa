package localcognito

import "strings"

// srpSession is one server side of an SRP exchange (package srp's
// *Session).
type srpSession interface {
	SRPB() string
	SaltHex() string
	Check(poolName, userID, secretBlockB64, timestamp, signatureB64 string) bool
}

// srpEngine is the SRP arithmetic of package
// github.com/cognitobridge/cognitobridge/test/localcognito/srp, bound in
// srp_glue.go. Verifiers are opaque to this package.
type srpEngine interface {
	NewVerifier(poolName, userID, password string) (any, error)
	Start(v any, srpAHex string) (srpSession, error)
	// Decoy is a verifier of a random password with the given salt (an
	// unknown user's, stable per name).
	Decoy(poolName, userID string, salt []byte) (any, error)
	// Matches checks password against a verifier NewVerifier made.
	Matches(v any, poolName, userID, password string) bool
}

// srpImpl is set by srp_glue.go; nil means SRP is unavailable: users get
// no verifier and every SRP call fails with InternalErrorException.
var srpImpl srpEngine

// poolName is the part of the pool id after "_", which SRP hashes into
// every verifier.
func (s *Server) poolName() string {
	return s.cfg.PoolID[strings.Index(s.cfg.PoolID, "_")+1:]
}

func (s *Server) newVerifier(userID, password string) (any, error) {
	if srpImpl == nil {
		return nil, nil
	}
	return srpImpl.NewVerifier(s.poolName(), userID, password)
}

// passwordMatches reports whether password is u's. Callers hold s.mu or
// own u.
func (s *Server) passwordMatches(u *user, password string) bool {
	if srpImpl == nil || u.verifier == nil {
		return false
	}
	return srpImpl.Matches(u.verifier, s.poolName(), u.username, password)
}

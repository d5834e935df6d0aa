package contract

// Client authentication by a KMS key (issue 18): private_key_jwt, OpenID
// Connect Core §9 with RFC 7523 client assertions. The private key never
// leaves KMS; no Secrets Manager secret exists in this mode.
const (
	// TokenAuthPrivateKeyJWT is the private_key_jwt method: a JWT client
	// assertion signed by a KMS key (EnvClientAssertionKey).
	TokenAuthPrivateKeyJWT = "private_key_jwt"

	// EnvClientAssertionKey is the ARN of the asymmetric KMS key
	// (SIGN_VERIFY) that signs client assertions. Required with
	// TokenAuthPrivateKeyJWT.
	EnvClientAssertionKey = "COGNITOBRIDGE_CLIENT_ASSERTION_KEY"
	// EnvClientAssertionKID is the kid of that key's public JWK (its RFC
	// 7638 thumbprint, as the construct's public-key custom resource
	// computes it): the assertion's header names it. Required with
	// TokenAuthPrivateKeyJWT.
	EnvClientAssertionKID = "COGNITOBRIDGE_CLIENT_ASSERTION_KID"
	// EnvClientAssertionAlg is the JWS algorithm: ClientAssertionRS256
	// (default), ClientAssertionPS256 (both RSA_2048 keys) or
	// ClientAssertionES256 (ECC_NIST_P256).
	EnvClientAssertionAlg = "COGNITOBRIDGE_CLIENT_ASSERTION_ALG"
	// EnvClientAssertionAudience is what the assertion's aud holds:
	// AudienceTokenEndpoint (default) or AudienceIssuer.
	EnvClientAssertionAudience = "COGNITOBRIDGE_CLIENT_ASSERTION_AUDIENCE"
)

// Client assertion signing algorithms and the KMS key spec each needs.
const (
	ClientAssertionRS256 = "RS256"
	ClientAssertionPS256 = "PS256"
	ClientAssertionES256 = "ES256"
)

// ClientAssertionKeySpec is the KMS key spec an algorithm needs ("" for an
// unknown algorithm).
func ClientAssertionKeySpec(alg string) string {
	switch alg {
	case ClientAssertionRS256, ClientAssertionPS256:
		return "RSA_2048"
	case ClientAssertionES256:
		return "ECC_NIST_P256"
	}
	return ""
}

// Audience values of a client assertion.
const (
	// AudienceTokenEndpoint: aud is the token endpoint URL, a single
	// string (OpenID Connect Core §9: "SHOULD be the URL of the
	// Authorization Server's Token Endpoint"; Okta and Microsoft Entra
	// expect it).
	AudienceTokenEndpoint = "token_endpoint"
	// AudienceIssuer: aud is the provider's issuer identifier, a single
	// string (draft-ietf-oauth-rfc7523bis; Auth0 and zitadel expect it).
	AudienceIssuer = "issuer"
)

// ClientAssertionLifetimeSeconds is how long a client assertion is valid
// (exp - iat): well within the 5 minutes the issue allows, long enough for
// a provider's clock to lag a little.
const ClientAssertionLifetimeSeconds = 120

// Custom resource of the public key (constructs: ClientAssertion key).
const (
	// ClientJWKSResourceType is its CloudFormation type.
	ClientJWKSResourceType = "Custom::CognitobridgeClientJwks"
	// ClientJWKSPropKeys is the property listing the key ARNs, the signing
	// key first.
	ClientJWKSPropKeys = "KeyArns"
	// ClientJWKSPropAlg is the property naming the JWS algorithm.
	ClientJWKSPropAlg = "Algorithm"
	// ClientJWKSAttrJWKS is the attribute holding the public JWK Set (JSON).
	ClientJWKSAttrJWKS = "Jwks"
	// ClientJWKSAttrKID is the attribute holding the signing key's kid.
	ClientJWKSAttrKID = "Kid"
	// EnvJWKS is the JWK Set the jwks_uri function serves.
	EnvJWKS = "COGNITOBRIDGE_JWKS"
)

// Names shared with the server. Each one is the value of a constant in
// package lambdas/contract (contract.go, transactiongate.go; the Go name is in the comment); a rename there must be
// repeated here.

/** contract.PublicAuthorizeURL */
export const PUBLIC_AUTHORIZE_URL = 'authorizeUrl';
/** contract.PublicProvider */
export const PUBLIC_PROVIDER = 'provider';
/** contract.PublicClientID */
export const PUBLIC_CLIENT_ID = 'clientId';
/** contract.PublicState */
export const PUBLIC_STATE = 'state';
/** contract.PublicTenantDNS */
export const PUBLIC_TENANT_DNS = 'tenantDns';
/** contract.PublicCommunity */
export const PUBLIC_COMMUNITY = 'community';
/** contract.PublicACR */
export const PUBLIC_ACR = 'acr';
/** contract.PublicStepUpBinding */
export const PUBLIC_STEPUP_BINDING = 'stepupBinding';
/** contract.PublicSessionURL */
export const PUBLIC_SESSION_URL = 'sessionUrl';

/** contract.ProviderBlockID */
export const PROVIDER_BLOCKID = 'blockid';
/** contract.ProviderOIDC (Biopass and any OpenID Provider) */
export const PROVIDER_OIDC = 'oidc';
/** contract.ProviderBlockIDSession (the verification-session kind) */
export const PROVIDER_BLOCKID_SESSION = 'blockid-session';

/** contract.MetadataStepUpBinding: the clientMetadata key of confirmSignIn. */
export const METADATA_STEPUP_BINDING = 'stepup_binding';
/** contract.MetadataStepUpReason: the clientMetadata key of signIn and confirmSignIn. */
export const METADATA_STEPUP_REASON = 'stepup_reason';

/** contract.MaxAnswerBytes: Verify refuses a longer `{"code","state"}` answer. */
export const MAX_ANSWER_BYTES = 4096;
/** contract.MaxBindingValue */
export const MAX_BINDING_VALUE = 256;

/** contract.ProofingHandleKey: validationData (or clientMetadata) key of the handle's hash. */
export const PROOFING_HANDLE_KEY = 'proofing_handle_sha256';

/** contract.ErrorInsufficientUserAuthentication (RFC 9470). */
export const ERROR_INSUFFICIENT_USER_AUTHENTICATION = 'insufficient_user_authentication';

/** contract.ValidStepUpReason: 1 to 64 characters of a-z, 0-9 and '_'. */
export function isValidStepUpReason(r: unknown): r is string {
  return typeof r === 'string' && /^[a-z0-9_]{1,64}$/.test(r);
}

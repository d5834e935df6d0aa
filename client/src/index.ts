export { StepUpError, type StepUpErrorCode } from './errors.js';
export {
  answerChallenge,
  beginRedirect,
  resumeAfterRedirect,
  stepUpClientMetadata,
  AMPLIFY_SIGN_IN_STATE_MS,
  SESSION_MARGIN_MS,
  type AnswerOptions,
  type ConfirmSignInArgs,
  type SessionControl,
} from './answer.js';
export {
  parseChallenge,
  type Challenge,
  type ChallengeParameters,
  type CodeChallenge,
  type SessionChallenge,
} from './params.js';
export { parseCallbackMessage, type CallbackMessage, type RejectedMessage, type RejectReason } from './message.js';
export { completeCallback, type CompleteCallbackOptions } from './callback.js';
export { DEFAULT_TIMEOUT_MS } from './guard.js';
export { hostedSignIn, type SignInWithRedirectInputLike } from './hosted.js';
export {
  newProofingHandle,
  hashHandle,
  proofingValidationData,
  rememberProofingHandle,
  recallProofingHandle,
  forgetProofingHandle,
  fetchProofingSession,
  pollUntilVerified,
  type ProofingStatus,
} from './proofing.js';
export {
  parseStepUpChallenge,
  callWithStepUp,
  type StepUpChallenge,
  type CallWithStepUpOptions,
} from './stepup-http.js';
export { connectProvider, ConnectError, type ConnectOptions, type ConnectResult } from './connect.js';
export { drive, type DriveOptions, type SignInOutputLike } from './drive.js';
export * as contract from './contract.js';

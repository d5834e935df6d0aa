/** The part of Amplify v6's `signInWithRedirect` input this module uses. */
export interface SignInWithRedirectInputLike {
  provider: { custom: string };
  customState?: string;
}

/**
 * Hosted sign-in with a federated identity provider of the user pool (its name as
 * configured in the pool, e.g. "Mosaic" or "BlockID"): Amplify v6
 * `signInWithRedirect({ provider: { custom: name } })`. The function is injected so that this
 * module has no runtime import of Amplify:
 *
 * ```ts
 * import { signInWithRedirect } from 'aws-amplify/auth';
 * await hostedSignIn('Mosaic', { signInWithRedirect });
 * ```
 */
export function hostedSignIn<R>(
  provider: string,
  deps: { signInWithRedirect: (input: SignInWithRedirectInputLike) => Promise<R>; customState?: string },
): Promise<R> {
  // Cognito: identity provider names are 1..32 characters and not one of the social
  // built-ins (those use provider: 'Google' etc. directly).
  if (typeof provider !== 'string' || provider.length < 1 || provider.length > 32 || /[\s]/.test(provider)) {
    return Promise.reject(
      new TypeError('provider must be the user pool identity provider name (1..32 characters, no spaces)'),
    );
  }
  const input: SignInWithRedirectInputLike = { provider: { custom: provider } };
  if (deps.customState !== undefined) input.customState = deps.customState;
  return deps.signInWithRedirect(input);
}

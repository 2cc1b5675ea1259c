// Whether the admin needs a sign-in: when the server has API_TOKENS and the tab has no token,
// or the server refused the token (a 401). The token itself lives in the tab's sessionStorage
// (lib/token.ts), shared with the playgrounds.
import type { TokenStore } from '../lib/token';

/** AuthState tells the page when to show the sign-in. */
export interface AuthState {
  tokensRequired: boolean;
  tokens: TokenStore;
  /** needed says whether the sign-in must be shown. */
  needed(): boolean;
  /** refusedOnce says whether the server refused the last token (for the sign-in's message). */
  refusedOnce(): boolean;
  /** refused is called on a 401: the token is forgotten and the sign-in comes back. */
  refused(): void;
  signIn(token: string): void;
  signOut(): void;
  subscribe(listener: () => void): () => void;
}

/** createAuthState follows the token store and the server's refusals. */
export function createAuthState(tokensRequired: boolean, tokens: TokenStore): AuthState {
  let wasRefused = false;
  const listeners = new Set<() => void>();
  const notify = () => listeners.forEach((l) => l());
  tokens.subscribe(notify);
  return {
    tokensRequired,
    tokens,
    needed: () => wasRefused || (tokensRequired && tokens.get() === ''),
    refusedOnce: () => wasRefused,
    refused() {
      wasRefused = true;
      tokens.set('');
    },
    signIn(token) {
      wasRefused = false;
      tokens.set(token);
    },
    signOut() {
      wasRefused = false;
      tokens.set('');
    },
    subscribe(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
}

// The bearer token a person enters once per tab. It lives in sessionStorage (gone with the tab,
// never in localStorage, never in a playground's own saved state) and is sent as
// Authorization: Bearer <token> on requests to the GraphQL endpoint only.

const KEY = 'mediagraph.token';

/** TokenStore keeps the token of this tab and tells listeners when it changes. */
export interface TokenStore {
  get(): string;
  set(token: string): void;
  subscribe(listener: () => void): () => void;
}

/** createTokenStore keeps the token in the given storage (sessionStorage in the pages). */
export function createTokenStore(storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | null): TokenStore {
  let memory = '';
  const listeners = new Set<() => void>();
  const read = () => {
    try {
      return storage?.getItem(KEY) ?? memory;
    } catch {
      return memory; // storage disabled: keep it in memory for this page
    }
  };
  return {
    get: read,
    set(token) {
      memory = token.trim();
      try {
        if (memory) storage?.setItem(KEY, memory);
        else storage?.removeItem(KEY);
      } catch {
        // memory only
      }
      for (const l of listeners) l();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** sessionTokenStore is the tab's token store. */
export function sessionTokenStore(): TokenStore {
  let storage: Storage | null = null;
  try {
    storage = window.sessionStorage;
  } catch {
    storage = null;
  }
  return createTokenStore(storage);
}

/** authorizationHeader gives the header for a token, or nothing when there is none. */
export function authorizationHeader(token: string): Record<string, string> {
  return token ? { Authorization: `Bearer ${token}` } : {};
}

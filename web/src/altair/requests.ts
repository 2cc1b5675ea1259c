// Adjusts Altair's requests to the GraphQL endpoint, without handing anything to Altair:
// - the tab's bearer token goes out as Authorization: Bearer … (Altair saves its headers with its
//   state in IndexedDB / localStorage, and the token must live only as long as the tab);
// - its introspection query is cut to the depth the server allows (see lib/introspection.ts).
// Both of the browser's request APIs are wrapped, for same-origin requests to the endpoint only.
import { shallowIntrospection } from '../lib/introspection';
import { authorizationHeader, type TokenStore } from '../lib/token';

/** isEndpoint says whether a request URL is the GraphQL endpoint of this origin. */
export function isEndpoint(url: string | URL, endpoint: string, base: string): boolean {
  try {
    const u = new URL(url, base);
    const e = new URL(endpoint, base);
    return u.origin === e.origin && u.pathname === e.pathname;
  } catch {
    return false;
  }
}

/** rewriteIntrospection returns a JSON request body with a shallower introspection query, or the body as it was. */
export function rewriteIntrospection<B>(body: B): B | string {
  if (typeof body !== 'string' || !body.includes('__schema')) return body;
  try {
    const req: unknown = JSON.parse(body);
    if (!req || typeof req !== 'object' || Array.isArray(req)) return body;
    const { query } = req as { query?: unknown };
    if (typeof query !== 'string' || !/\bquery\s+IntrospectionQuery\b/.test(query)) return body;
    return JSON.stringify({ ...req, query: shallowIntrospection(query) });
  } catch {
    return body;
  }
}

/** installRequestAdjustments wraps window.fetch and XMLHttpRequest for requests to the endpoint. */
export function installRequestAdjustments(win: Window & typeof globalThis, endpoint: string, tokens: TokenStore): void {
  const base = win.location.href;
  const originalFetch = win.fetch.bind(win);
  win.fetch = (input: RequestInfo | URL, init?: RequestInit) => {
    const url = input instanceof Request ? input.url : input;
    if (!isEndpoint(url, endpoint, base) || (input instanceof Request && !init)) return originalFetch(input, init);
    const headers = new Headers(init?.headers);
    const auth = authorizationHeader(tokens.get());
    if (auth.Authorization && !headers.has('Authorization')) headers.set('Authorization', auth.Authorization);
    return originalFetch(input, { ...init, headers, body: rewriteIntrospection(init?.body) });
  };

  const proto = win.XMLHttpRequest.prototype;
  const open = proto.open;
  const send = proto.send;
  const target = new WeakMap<XMLHttpRequest, boolean>();
  proto.open = function (this: XMLHttpRequest, method: string, url: string | URL, ...rest: unknown[]) {
    target.set(this, isEndpoint(url, endpoint, base));
    return (open as (...a: unknown[]) => void).call(this, method, url, ...rest);
  } as typeof proto.open;
  proto.send = function (this: XMLHttpRequest, body?: Document | XMLHttpRequestBodyInit | null) {
    if (!target.get(this)) return send.call(this, body);
    const auth = authorizationHeader(tokens.get());
    if (auth.Authorization) this.setRequestHeader('Authorization', auth.Authorization);
    return send.call(this, rewriteIntrospection(body));
  };
}

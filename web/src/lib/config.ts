// The settings the Go server hands to a page, in <meta name="mediagraph-playground" content="{…}">
// (filled by web.Handler; no inline script needed, so the CSP can stay strict).

/** PlaygroundConfig mirrors web.Options on the Go side. */
export interface PlaygroundConfig {
  /** The GraphQL endpoint, e.g. "/query". */
  endpoint: string;
  /** False when the server refuses introspection (INTROSPECTION=false). */
  introspection: boolean;
  /** True when writes need a bearer token (API_TOKENS is set). */
  tokensRequired: boolean;
}

export const CONFIG_META = 'mediagraph-playground';

const defaults: PlaygroundConfig = { endpoint: '/query', introspection: true, tokensRequired: false };

/** parseConfig reads the meta tag's JSON; anything missing or malformed falls back to the defaults. */
export function parseConfig(content: string | null | undefined): PlaygroundConfig {
  if (!content) return { ...defaults };
  let raw: unknown;
  try {
    raw = JSON.parse(content);
  } catch {
    return { ...defaults };
  }
  const o = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  return {
    endpoint: typeof o.endpoint === 'string' && o.endpoint !== '' ? o.endpoint : defaults.endpoint,
    introspection: typeof o.introspection === 'boolean' ? o.introspection : defaults.introspection,
    tokensRequired: typeof o.tokensRequired === 'boolean' ? o.tokensRequired : defaults.tokensRequired,
  };
}

/** readConfig reads the page's config. */
export function readConfig(doc: Document = document): PlaygroundConfig {
  return parseConfig(doc.querySelector<HTMLMetaElement>(`meta[name="${CONFIG_META}"]`)?.content);
}

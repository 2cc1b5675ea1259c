// The fetcher GraphiQL runs operations through: @graphiql/toolkit's for JSON (queries,
// introspection, incremental delivery), and a multipart request per the GraphQL multipart
// request spec when files were picked for variables the operation declares. Both add the tab's
// bearer token.
import { createGraphiQLFetcher, type Fetcher, type FetcherOpts, type FetcherParams } from '@graphiql/toolkit';
import { parse } from 'graphql';
import { shallowIntrospection } from '../lib/introspection';
import { authorizationHeader, type TokenStore } from '../lib/token';
import { buildMultipartRequest, selectOperation, toFormData, type UploadSlot } from '../lib/upload';
import type { FileStore } from './fileStore';

export interface PlaygroundFetcherOptions {
  endpoint: string;
  tokens: TokenStore;
  files: FileStore;
  fetch?: typeof fetch;
}

/** The header that CSRF prevention asks of a multipart request (as in Apollo Server). */
export const PREFLIGHT_HEADER = { 'Apollo-Require-Preflight': 'true' } as const;

/** pickedSlotsFor gives the picked slots whose variable the operation declares. */
export function pickedSlotsFor(params: FetcherParams, files: FileStore): UploadSlot[] {
  const picked = files.get();
  if (picked.size === 0) return [];
  let op;
  try {
    op = selectOperation(parse(params.query), params.operationName);
  } catch {
    return [];
  }
  if (!op || op.operation === 'subscription') return [];
  const declared = new Set((op.variableDefinitions ?? []).map((v) => v.variable.name.value));
  const slots: UploadSlot[] = [];
  for (const [path, slot] of picked) {
    if (declared.has(path.split('.')[0])) slots.push({ path, type: '', multiple: slot.multiple, required: false });
  }
  return slots;
}

async function readResult(res: Response): Promise<Record<string, unknown>> {
  const text = await res.text();
  try {
    const body: unknown = JSON.parse(text);
    if (body && typeof body === 'object') return body as Record<string, unknown>;
  } catch {
    // not JSON: described below
  }
  return { errors: [{ message: `HTTP ${res.status} ${res.statusText}: ${text.slice(0, 500)}` }] };
}

/** createPlaygroundFetcher returns GraphiQL's fetcher for this server. */
export function createPlaygroundFetcher({ endpoint, tokens, files, fetch: fetchImpl = window.fetch.bind(window) }: PlaygroundFetcherOptions): Fetcher {
  const withToken: typeof fetch = (input, init) => {
    const headers = new Headers(init?.headers);
    const auth = authorizationHeader(tokens.get());
    if (auth.Authorization && !headers.has('Authorization')) headers.set('Authorization', auth.Authorization);
    return fetchImpl(input, { ...init, headers });
  };
  const json = createGraphiQLFetcher({ url: endpoint, fetch: withToken });

  return (params: FetcherParams, opts?: FetcherOpts) => {
    if (params.operationName === 'IntrospectionQuery') return json({ ...params, query: shallowIntrospection(params.query) }, opts);
    const slots = pickedSlotsFor(params, files);
    const picked = new Map([...files.get()].map(([path, s]) => [path, s.files]));
    const request = slots.length > 0 ? buildMultipartRequest(params, slots, picked) : undefined;
    if (!request) return json(params, opts);
    return withToken(endpoint, {
      method: 'POST',
      headers: { ...opts?.headers, ...PREFLIGHT_HEADER, Accept: 'application/json' },
      body: toFormData(request),
    }).then(readResult);
  };
}

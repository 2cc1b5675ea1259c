// The real client stack SPAs use: Apollo Client 4 + apollo-upload-client 19 (UploadHttpLink),
// in Node 20 with its global fetch / FormData / File.
import { ApolloClient, InMemoryCache } from '@apollo/client';
import UploadHttpLink from 'apollo-upload-client/UploadHttpLink.mjs';

/** Base URL of the server under test (http://127.0.0.1:PORT), set by run.mjs. */
export function baseURL() {
  const u = process.env.MEDIAGRAPH_URL;
  if (!u) throw new Error('MEDIAGRAPH_URL is not set: run the suite with `node run.mjs`');
  return u.replace(/\/+$/, '');
}

/** fetch with a hard per-request timeout, combined with the link's own abort signal. */
export function timedFetch(ms = 30_000) {
  return (input, init = {}) => {
    const t = AbortSignal.timeout(ms);
    const signal = init.signal ? AbortSignal.any([init.signal, t]) : t;
    return fetch(input, { ...init, signal });
  };
}

export function makeClient({ headers = { 'Apollo-Require-Preflight': 'true' } } = {}) {
  const link = new UploadHttpLink({ uri: `${baseURL()}/query`, headers, fetch: timedFetch() });
  return new ApolloClient({
    link,
    cache: new InMemoryCache(),
    defaultOptions: {
      query: { fetchPolicy: 'no-cache' },
      mutate: { fetchPolicy: 'no-cache' },
    },
  });
}

/** A File as an <input type=file> would give it (what extract-files picks up). */
export const fileOf = (bytes, name, type) => new File([bytes], name, { type });

/** Short text for assertion messages: what the server answered. */
export function show(v) {
  if (v instanceof Error) {
    const errs = v.errors ? ` errors=${JSON.stringify(v.errors)}` : '';
    const status = v.statusCode ? ` status=${v.statusCode}` : '';
    const body = v.bodyText ? ` body=${v.bodyText.slice(0, 500)}` : '';
    return `${v.name}: ${v.message}${status}${errs}${body}`;
  }
  const s = JSON.stringify(v);
  return s && s.length > 1500 ? `${s.slice(0, 1500)}…` : s;
}

import { describe, expect, it } from 'vitest';
import { createTokenStore } from '../lib/token';
import { createPlaygroundFetcher } from './fetcher';
import { createFileStore } from './fileStore';

// Records what the fetcher hands to fetch and answers like the server would.
function recorder() {
  const calls: { url: string; init: RequestInit }[] = [];
  const fetch = (async (url: RequestInfo | URL, init?: RequestInit) => {
    calls.push({ url: String(url), init: init ?? {} });
    return new Response('{"data":{"ok":true}}', { status: 200, headers: { 'Content-Type': 'application/json' } });
  }) as typeof globalThis.fetch;
  return { calls, fetch };
}

const MUTATION = 'mutation AddImage($id: ID!, $image: Upload!) { addProductImage(productID: $id, image: $image) { id } }';

describe('createPlaygroundFetcher', () => {
  it('sends a multipart request with the preflight and bearer headers when a file is picked', async () => {
    const { calls, fetch } = recorder();
    const tokens = createTokenStore(null);
    tokens.set('s3cret');
    const files = createFileStore();
    files.pick('image', [new File(['PNG'], 'a.png', { type: 'image/png' })], false);
    const fetcher = createPlaygroundFetcher({ endpoint: '/query', tokens, files, fetch });
    const result = await fetcher({ query: MUTATION, operationName: 'AddImage', variables: { id: '7' } }, { headers: { 'X-Extra': '1' } });
    expect(result).toEqual({ data: { ok: true } });
    expect(calls).toHaveLength(1);
    const { url, init } = calls[0];
    expect(url).toBe('/query');
    expect(init.method).toBe('POST');
    const headers = new Headers(init.headers);
    expect(headers.get('Apollo-Require-Preflight')).toBe('true');
    expect(headers.get('Authorization')).toBe('Bearer s3cret');
    expect(headers.get('X-Extra')).toBe('1');
    expect(headers.has('Content-Type')).toBe(false); // the browser sets the multipart boundary
    const body = init.body as FormData;
    expect([...body.keys()]).toEqual(['operations', 'map', '0']);
    expect(JSON.parse(body.get('operations') as string)).toEqual({ query: MUTATION, operationName: 'AddImage', variables: { id: '7', image: null } });
  });

  it('sends JSON when no picked file belongs to the operation', async () => {
    const { calls, fetch } = recorder();
    const files = createFileStore();
    files.pick('other', [new File(['x'], 'x.png')], false);
    const fetcher = createPlaygroundFetcher({ endpoint: '/query', tokens: createTokenStore(null), files, fetch });
    const result = await fetcher({ query: '{ ok }', operationName: null });
    // The toolkit answers with an async iterable (incremental delivery): reading it sends the request.
    for await (const part of result as AsyncIterable<unknown>) expect(part).toEqual({ data: { ok: true } });
    expect(calls).toHaveLength(1);
    expect(typeof calls[0].init.body).toBe('string');
    expect(JSON.parse(calls[0].init.body as string).query).toBe('{ ok }');
    expect(new Headers(calls[0].init.headers).has('Authorization')).toBe(false);
  });

  it('turns a body that is not JSON into a GraphQL error', async () => {
    const fetch = (async () => new Response('bad gateway', { status: 502, statusText: 'Bad Gateway' })) as typeof globalThis.fetch;
    const files = createFileStore();
    files.pick('image', [new File(['x'], 'x.png')], false);
    const fetcher = createPlaygroundFetcher({ endpoint: '/query', tokens: createTokenStore(null), files, fetch });
    const result = await fetcher({ query: MUTATION, operationName: 'AddImage', variables: {} });
    expect(result).toEqual({ errors: [{ message: 'HTTP 502 Bad Gateway: bad gateway' }] });
  });
});

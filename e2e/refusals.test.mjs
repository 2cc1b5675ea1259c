// Refusals decided before the body is read whole, as the clients people run see them: Node's
// fetch (undici), Apollo Client 4 + apollo-upload-client's UploadHttpLink on it, and Chromium.
// Each sends a body of 1–70 MB that the server refuses early (no token, wrong token, no CSRF
// preflight header, Content-Length over MAX_REQUEST_BYTES, a chunked body passing it, too many
// files, a map path naming no variable). The answer must reach the client with its status and
// extensions.code — not `TypeError: fetch failed` (ECONNRESET / EPIPE), which is what a server
// that closes with the body unread causes — nothing may be stored, and the server must answer
// the next request.
//
// The file starts its own server (MEDIAGRAPH_BIN, set by run.mjs) with API_TOKENS set, on a
// fresh SQLite database and media dir, so that the rows and files it counts are its own.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApolloClient, InMemoryCache, gql } from '@apollo/client';
import UploadHttpLink from 'apollo-upload-client/UploadHttpLink.mjs';
import { chromium } from 'playwright-core';
import { freePort, startServer, stopServer, waitReady } from './lib/server.mjs';
import { timedFetch, show } from './lib/client.mjs';
import { png } from './lib/png.mjs';

const T = { timeout: 60_000 };
const TOKEN = 'e2e-refusals-secret';
const MB = 1_000_000;
const skipBrowser = process.env.E2E_SKIP_BROWSER === '1';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const httpFetch = timedFetch(30_000);

let tmp, ownTmp = false, server, base, mediaDir, productID, logFile;

before(async () => {
  const bin = process.env.MEDIAGRAPH_BIN;
  assert.ok(bin && fs.existsSync(bin), `MEDIAGRAPH_BIN (${bin}) is not a built server: run the suite with node run.mjs`);
  if (process.env.E2E_TMP) tmp = fs.mkdtempSync(path.join(process.env.E2E_TMP, 'refusals-'));
  else { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mediagraph-refusals-')); ownTmp = true; }
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  mediaDir = path.join(tmp, 'media');
  logFile = path.join(tmp, 'server.log');
  server = startServer(bin, {
    cwd: tmp,
    logFile,
    env: {
      PATH: process.env.PATH, HOME: process.env.HOME,
      ADDR: `127.0.0.1:${port}`,
      DATABASE_URL: `sqlite:${path.join(tmp, 'mediagraph.db')}`,
      STORAGE_URL: mediaDir,
      API_TOKENS: TOKEN,
    },
  });
  await waitReady(server, `${base}/readyz`);
  const r = await json({ query: 'mutation { createProduct(input: {name: "Refusals", price: "1.00"}) { id } }' }, { Authorization: `Bearer ${TOKEN}` });
  productID = r.data?.createProduct?.id;
  assert.ok(productID, `createProduct: ${show(r)}`);
});

after(async () => {
  await stopServer(server);
  if (ownTmp && tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

async function json(body, headers = {}) {
  const res = await httpFetch(`${base}/query`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return res.json();
}

/** Rows and files: what a refusal must leave as it was. */
async function stored() {
  const r = await json({ query: '{ products(first: 10) { totalCount edges { node { images { id } } } } documents { totalCount } }' });
  assert.equal(r.errors, undefined, `the server does not answer the next request: ${show(r)}`);
  const files = fs.existsSync(mediaDir)
    ? fs.readdirSync(mediaDir, { recursive: true }).filter((f) => fs.statSync(path.join(mediaDir, f)).isFile())
    : [];
  return {
    products: r.data.products.totalCount,
    images: r.data.products.edges.reduce((n, e) => n + e.node.images.length, 0),
    documents: r.data.documents.totalCount,
    files: files.sort(),
  };
}

const ADD_IMAGE = 'mutation AddProductImage($productID: ID!, $image: Upload!) { addProductImage(productID: $productID, image: $image) { id } }';
const ADD_IMAGES = 'mutation AddProductImages($productID: ID!, $images: [Upload!]!) { addProductImages(productID: $productID, images: $images) { id } }';

/** A valid PNG padded with zeros to `bytes`: every row is refused before its file is read. */
function imageOf(bytes, seed) {
  const head = png(320, 320, seed);
  const out = new Uint8Array(Math.max(bytes, head.length));
  out.set(head);
  return out;
}

// The rows: headers, what is sent, what must come back.
const auth = { Authorization: `Bearer ${TOKEN}` };
const preflight = { 'Apollo-Require-Preflight': 'true' };
const rows = [
  { name: 'no token, one 5 MB image', headers: { ...preflight }, files: [5 * MB], status: 401, code: 'UNAUTHENTICATED' },
  { name: 'wrong token, 5 MB', headers: { ...preflight, Authorization: 'Bearer not-the-token' }, files: [5 * MB], status: 401, code: 'UNAUTHENTICATED' },
  { name: 'no preflight header, 5 MB', headers: { ...auth }, files: [5 * MB], status: 400, code: 'CSRF_BLOCKED' },
  { name: 'Content-Length 70 MB (over MAX_REQUEST_BYTES)', headers: { ...preflight, ...auth }, files: [70 * MB], status: 413, code: 'REQUEST_TOO_LARGE' },
  { name: '11 files of 100 KB (MAX_FILES 10)', headers: { ...preflight, ...auth }, files: Array(11).fill(100_000), status: 413, code: 'REQUEST_TOO_LARGE' },
  { name: 'a map path naming no variable, with a 5 MB file', headers: { ...preflight, ...auth }, files: [5 * MB], badMap: true, status: 400, code: 'BAD_REQUEST' },
];

/** The multipart body apollo-upload-client sends, built with Node's FormData. */
function formFor(row, seed) {
  const many = row.files.length > 1;
  const fd = new FormData();
  const variables = many ? { productID, images: row.files.map(() => null) } : { productID, image: null };
  fd.append('operations', JSON.stringify({ query: many ? ADD_IMAGES : ADD_IMAGE, variables }));
  const map = Object.fromEntries(row.files.map((_, i) => [String(i), [many ? `variables.images.${i}` : row.badMap ? 'variables.nothing' : 'variables.image']]));
  fd.append('map', JSON.stringify(map));
  row.files.forEach((size, i) => fd.append(String(i), new Blob([imageOf(size, seed + i)], { type: 'image/png' }), `f${i}.png`));
  return fd;
}

/** Checks a refusal's answer: status, GraphQL-shaped body with the code, and that nothing changed. */
async function expectRefusal(row, status, text, before, how) {
  const ctx = `${how}, ${row.name}: HTTP ${status} ${text.slice(0, 300)}`;
  assert.equal(status, row.status, ctx);
  let body;
  try { body = JSON.parse(text); } catch { assert.fail(`${ctx}: the body is not JSON`); }
  assert.equal(body.errors?.[0]?.extensions?.code, row.code, ctx);
  assert.deepEqual(await stored(), before, `${ctx}: something was stored`);
}

for (const [i, row] of rows.entries()) {
  test(`Node fetch: ${row.name} → ${row.status} ${row.code}`, T, async () => {
    const before = await stored();
    let res;
    try {
      res = await httpFetch(`${base}/query`, { method: 'POST', headers: row.headers, body: formFor(row, 40 + i) });
    } catch (err) {
      assert.fail(`fetch failed instead of reading the answer: ${err.message} (${err.cause?.code || err.cause})`);
    }
    await expectRefusal(row, res.status, await res.text(), before, 'fetch');
  });
}

/** UploadHttpLink with a FormData that rewrites the map it is given (for the bad-map row: the
 * link's own map is always right). */
function linkFormData(row) {
  if (!row.badMap) return FormData;
  return class extends FormData {
    append(name, value, filename) {
      if (name === 'map') value = JSON.stringify(Object.fromEntries(Object.keys(JSON.parse(value)).map((k) => [k, ['variables.nothing']])));
      return filename === undefined ? super.append(name, value) : super.append(name, value, filename);
    }
  };
}

for (const [i, row] of rows.entries()) {
  test(`UploadHttpLink: ${row.name} → ${row.status} ${row.code}`, T, async () => {
    const before = await stored();
    const client = new ApolloClient({
      cache: new InMemoryCache(),
      link: new UploadHttpLink({ uri: `${base}/query`, headers: row.headers, fetch: httpFetch, FormData: linkFormData(row) }),
    });
    const many = row.files.length > 1;
    const files = row.files.map((size, j) => new File([imageOf(size, 60 + i + j)], `f${j}.png`, { type: 'image/png' }));
    const r = await client.mutate({
      mutation: gql(many ? ADD_IMAGES : ADD_IMAGE),
      variables: many ? { productID, images: files } : { productID, image: files[0] },
      errorPolicy: 'all',
    }).catch((error) => ({ error }));
    const e = r.error;
    assert.ok(e, `no error: ${show(r)}`);
    // Apollo Client 4 reports an HTTP-level refusal as a ServerError with the status and body; a
    // connection reset would be a TypeError (fetch failed) with neither.
    assert.equal(e.name, 'ServerError', `UploadHttpLink, ${row.name}: ${show(e)} (cause: ${e.cause?.code || e.cause?.message || ''})`);
    await expectRefusal(row, e.statusCode, e.bodyText ?? '', before, 'UploadHttpLink');
  });
}

test('Node fetch: a chunked body passing MAX_REQUEST_BYTES (70 MB) → 413 REQUEST_TOO_LARGE', T, async () => {
  const before = await stored();
  const boundary = '----mediagraph-chunked';
  const head = new TextEncoder().encode(
    `--${boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${JSON.stringify({ query: ADD_IMAGE, variables: { productID, image: null } })}\r\n` +
    `--${boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n{"0":["variables.image"]}\r\n` +
    `--${boundary}\r\nContent-Disposition: form-data; name="0"; filename="big.png"\r\nContent-Type: image/png\r\n\r\n`);
  let sent = -1;
  const chunk = new Uint8Array(1 << 20);
  const body = new ReadableStream({
    pull(c) {
      if (sent < 0) { c.enqueue(head); sent = 0; return; }
      if (sent >= 70 * MB) { c.close(); return; }
      sent += chunk.length;
      c.enqueue(chunk);
    },
  });
  let res;
  try {
    res = await httpFetch(`${base}/query`, { method: 'POST', body, duplex: 'half', headers: { ...preflight, ...auth, 'Content-Type': `multipart/form-data; boundary=${boundary}` } });
  } catch (err) {
    assert.fail(`fetch failed instead of reading the answer: ${err.message} (${err.cause?.code || err.cause})`);
  }
  await expectRefusal({ name: 'chunked 70 MB', status: 413, code: 'REQUEST_TOO_LARGE' }, res.status, await res.text(), before, 'fetch');
});

test('Chromium: the no-token and the too-many-files refusals reach the page', { ...T, skip: skipBrowser && 'E2E_SKIP_BROWSER=1' }, async () => {
  assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing: run e2e/install.sh`);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 30_000,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  try {
    const page = await browser.newPage();
    await page.goto(`${base}/healthz`, { timeout: 15_000 }); // the server's own origin: no CORS
    for (const row of [rows[0], rows[4]]) {
      const before = await stored();
      const spec = { headers: row.headers, files: row.files, productID, ADD_IMAGE, ADD_IMAGES, seed: png(320, 320, 80) };
      const out = await page.evaluate(async ({ headers, files, productID, ADD_IMAGE, ADD_IMAGES, seed }) => {
        const many = files.length > 1;
        const fd = new FormData();
        fd.append('operations', JSON.stringify({ query: many ? ADD_IMAGES : ADD_IMAGE, variables: many ? { productID, images: files.map(() => null) } : { productID, image: null } }));
        fd.append('map', JSON.stringify(Object.fromEntries(files.map((_, i) => [String(i), [many ? `variables.images.${i}` : 'variables.image']]))));
        files.forEach((size, i) => {
          const bytes = new Uint8Array(size);
          bytes.set(new Uint8Array(seed).subarray(0, Math.min(size, seed.length)));
          fd.append(String(i), new File([bytes], `f${i}.png`, { type: 'image/png' }));
        });
        try {
          const res = await fetch('/query', { method: 'POST', headers, body: fd });
          return { status: res.status, text: await res.text() };
        } catch (err) {
          return { status: 0, text: `fetch failed: ${err}` };
        }
      }, { ...spec, seed: Array.from(spec.seed) });
      await expectRefusal(row, out.status, out.text, before, 'Chromium');
    }
  } finally {
    await browser.close().catch(() => {});
  }
});

test('the server lingered and closed cleanly after each early refusal', T, async () => {
  const res = await httpFetch(`${base}/metrics`);
  const text = await res.text();
  const count = (outcome) => Number(text.match(new RegExp(`^mediagraph_lingering_closes_total\\{outcome="${outcome}"\\} (\\S+)$`, 'm'))?.[1] ?? 0);
  const eof = count('eof');
  const other = ['idle', 'time', 'reset'].map((o) => `${o}=${count(o)}`).join(' ');
  const discarded = Number(text.match(/^mediagraph_lingering_discarded_bytes_total (\S+)$/m)?.[1] ?? 0);
  console.log(`# lingering closes: eof=${eof} ${other}; discarded ${(discarded / MB).toFixed(1)} MB`);
  assert.ok(eof >= rows.length, `lingering closes that ended with the client's own close: ${eof}, want at least ${rows.length} (${other})`);
});

// The playgrounds as the Go server serves them (web/: GraphiQL at /, Altair at /altair), in
// Chromium through playwright-core, with every request to another origin aborted and counted:
// GraphiQL renders, runs a typed query, lists Product in the docs, uploads a picked file through
// its Files plugin (multipart, preflight header) and the file lands on disk; Altair boots on
// /query and its requests carry the preflight header. A second server with INTROSPECTION=false
// and API_TOKENS shows that both pages say the schema is hidden and take a bearer token for the
// tab only. Screenshots go to E2E_SCREENSHOTS (default e2e/screenshots/, gitignored).
// Run by run.mjs (MEDIAGRAPH_URL, MEDIAGRAPH_MEDIA_DIR and MEDIAGRAPH_BIN set).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { guardedPage } from './lib/browser.mjs';
import { baseURL, timedFetch } from './lib/client.mjs';
import { png, sha256 } from './lib/png.mjs';
import { freePort, startServer, stopServer, waitReady } from './lib/server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const T = { timeout: 60_000 };
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SHOTS = process.env.E2E_SCREENSHOTS || path.join(here, 'screenshots');

let browser;

before(async () => {
  assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing: run e2e/install.sh`);
  fs.mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 30_000,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});

after(async () => {
  await browser?.close().catch(() => {});
});

/**
 * A fresh browser context on one page: requests to another origin are aborted and recorded,
 * console errors and page errors are recorded, requests to /query are recorded with headers.
 */
async function openPage(url) {
  const { context, page, foreign, errors } = await guardedPage(browser, { width: 1280, height: 800 });
  const queries = [];
  const answers = [];
  page.on('request', (r) => {
    if (new URL(r.url()).pathname === '/query') queries.push({ method: r.method(), headers: r.headers(), body: r.postData() ?? '' });
  });
  page.on('response', (r) => {
    if (new URL(r.url()).pathname === '/query') answers.push({ body: r.request().postData() ?? '', json: r.json().catch(() => null) });
  });
  const response = await page.goto(url, { timeout: 15_000 });
  return { context, page, response, foreign, errors, queries, answers };
}

async function shot(page, name) {
  const file = path.join(SHOTS, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** The text Monaco shows in a region (GraphiQL's editors), with its non-breaking spaces as spaces. */
async function regionText(page, name) {
  return (await page.getByRole('region', { name }).innerText()).replace(/\u00a0/g, ' ');
}

/** Replace the content of a GraphiQL editor (a Monaco editor inside the named region). */
async function setEditor(page, name, text) {
  const box = page.getByRole('region', { name }).getByRole('textbox');
  await box.focus();
  await page.keyboard.press('ControlOrMeta+KeyA');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text); // no auto-closing brackets, unlike typing
}

async function waitForResult(page, needle, timeout = 10_000) {
  const deadline = Date.now() + timeout;
  let text = '';
  while (Date.now() < deadline) {
    text = await regionText(page, 'Result Window');
    // The pane wraps long lines: compare without whitespace.
    if (text.replace(/\s+/g, '').includes(needle.replace(/\s+/g, ''))) return text;
    await page.waitForTimeout(100);
  }
  assert.fail(`the result pane never showed ${JSON.stringify(needle)}; it shows: ${text.slice(0, 800)}`);
}

function assertClean(p, what) {
  assert.deepEqual(p.foreign, [], `${what}: requests to another origin: ${p.foreign.join(', ')}`);
  assert.deepEqual(p.errors, [], `${what}: console errors: ${p.errors.join(' | ')}`);
}

async function graphql(base, query, headers = {}) {
  const res = await timedFetch()(`${base}/query`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify({ query }),
  });
  return { status: res.status, body: await res.json() };
}

test('GraphiQL: served with strict headers, renders, runs a typed query, lists Product in the docs', T, async () => {
  const p = await openPage(`${baseURL()}/`);
  try {
    const h = p.response.headers();
    assert.equal(p.response.status(), 200);
    assert.equal(h['cache-control'], 'no-cache');
    assert.equal(h['x-content-type-options'], 'nosniff');
    assert.match(h['content-security-policy'], /script-src 'self';/);
    assert.doesNotMatch(h['content-security-policy'], /unsafe-eval/);

    const run = p.page.getByRole('button', { name: /^Execute query/ });
    await run.waitFor();
    await setEditor(p.page, 'Operation Editor', 'query Rules { uploadRules { target minWidth minHeight } }');
    await p.page.getByRole('tab', { name: 'Rules' }).waitFor(); // GraphiQL has taken in the new operation
    await run.click();
    const text = await waitForResult(p.page, '"ProductImage.image"');
    assert.match(text, /"minWidth": 300/);
    await shot(p.page, 'graphiql-query');

    await p.page.getByRole('button', { name: 'Show Documentation Explorer' }).click();
    const docs = p.page.getByRole('region', { name: 'Documentation Explorer' });
    await docs.getByRole('link', { name: 'Product', exact: true }).first().waitFor();
    await shot(p.page, 'graphiql-docs');

    // The assets the page loaded are immutable, under content-hashed names.
    const asset = (await p.page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name)))
      .find((u) => /\/assets\/graphiql-[\w-]+\.js$/.test(u));
    assert.ok(asset, 'the GraphiQL bundle was loaded from /assets/');
    const res = await timedFetch()(asset);
    await res.arrayBuffer();
    assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal(res.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assertClean(p, 'GraphiQL');
  } finally {
    await p.context.close();
  }
});

test('GraphiQL: the Files plugin uploads a picked PNG for $image as a multipart request', T, async () => {
  const created = await graphql(baseURL(), 'mutation { createProduct(input: {name: "x", price: "1.00"}) { id } }');
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const id = created.body.data.createProduct.id;
  const bytes = png(320, 320, 41);

  const p = await openPage(`${baseURL()}/`);
  try {
    await p.page.getByRole('button', { name: /^Execute query/ }).waitFor();
    await setEditor(p.page, 'Operation Editor',
      'mutation AddImage($id: ID!, $image: Upload!) { addProductImage(productID: $id, image: $image, alt: "from GraphiQL") { id image { url path width height sha256 } } }');
    await p.page.getByRole('tab', { name: 'AddImage' }).waitFor();
    await p.page.getByRole('button', { name: 'Variables' }).click();
    await setEditor(p.page, 'Variables', JSON.stringify({ id }));

    await p.page.getByRole('button', { name: 'Show Files' }).click();
    await p.page.getByLabel('$image').setInputFiles({ name: 'graphiql-pick.png', mimeType: 'image/png', buffer: bytes });
    await p.page.getByRole('list', { name: 'Files for $image' }).getByText('graphiql-pick.png').waitFor();
    await shot(p.page, 'graphiql-files-picked');

    const answer = p.page.waitForResponse((r) => new URL(r.url()).pathname === '/query' && r.request().method() === 'POST'
      && (r.request().headers()['content-type'] || '').startsWith('multipart/form-data'));
    await p.page.getByRole('button', { name: 'Run with 1 file' }).click();
    const res = await answer;
    const req = res.request();
    assert.equal(req.headers()['apollo-require-preflight'], 'true');
    const body = req.postData() ?? '';
    const order = ['name="operations"', 'name="map"', 'name="0"'].map((n) => body.indexOf(n));
    assert.ok(order.every((i, k) => i >= 0 && (k === 0 || i > order[k - 1])), `parts in spec order: ${order}`);
    const out = await res.json();
    assert.equal(out.errors, undefined, JSON.stringify(out));
    const m = out.data.addProductImage.image;
    assert.equal(m.sha256, sha256(bytes));
    assert.equal(m.width, 320);

    const text = await waitForResult(p.page, m.url);
    assert.ok(text.includes('/media/products/images/'), text);
    assert.ok(m.url.startsWith('/media/products/images/'), m.url);
    await shot(p.page, 'graphiql-upload-result');

    const root = process.env.MEDIAGRAPH_MEDIA_DIR;
    assert.ok(root, 'MEDIAGRAPH_MEDIA_DIR is set by run.mjs');
    const onDisk = fs.readFileSync(path.join(root, m.path));
    assert.equal(sha256(onDisk), sha256(bytes), 'the stored file has the bytes picked');
    assertClean(p, 'GraphiQL upload');
  } finally {
    await p.context.close();
  }
});

test('Altair: boots offline on /query, loads the docs, sends the preflight header, uploads a picked file', T, async () => {
  const p = await openPage(`${baseURL()}/altair`);
  try {
    assert.equal(p.response.status(), 200);
    assert.match(p.response.headers()['content-security-policy'], /script-src 'self';/);
    const send = p.page.getByRole('button', { name: 'Send Request' });
    await send.waitFor();
    await p.page.getByText(`${baseURL()}/query`, { exact: true }).waitFor(); // Altair's URL box

    const answer = p.page.waitForResponse((r) => new URL(r.url()).pathname === '/query' && r.request().method() === 'POST'
      && (r.request().postData() ?? '').includes('products'));
    await send.click();
    const res = await answer;
    assert.equal(res.request().headers()['apollo-require-preflight'], 'true');
    const out = await res.json();
    assert.equal(typeof out.data.products.totalCount, 'number', JSON.stringify(out));
    await p.page.getByText('"totalCount"').first().waitFor();
    await shot(p.page, 'altair-query');

    // Altair loaded the schema at start: its introspection passed the server's depth limit.
    const deadline = Date.now() + 10_000;
    while (!p.answers.some((a) => a.body.includes('__schema')) && Date.now() < deadline) await p.page.waitForTimeout(100);
    const introspection = p.answers.find((a) => a.body.includes('__schema'));
    assert.ok(introspection, 'Altair sent an introspection query');
    const schema = await introspection.json;
    assert.equal(schema?.errors, undefined, JSON.stringify(schema?.errors));
    assert.ok(schema.data.__schema.types.some((t) => t.name === 'Product'), 'the schema Altair loaded has Product');
    await p.page.getByRole('button', { name: 'Docs' }).click();
    const search = p.page.getByPlaceholder('Search docs...');
    await search.waitFor({ state: 'visible' });
    await search.fill('Product');
    await p.page.getByRole('menuitem', { name: /^Product type/ }).waitFor();
    await shot(p.page, 'altair-docs');
    await p.page.getByRole('button', { name: 'Close' }).click();

    // A file through Altair's own picker ("Add files" in the Variables pane), sent with the preflight header.
    const created = await graphql(baseURL(), 'mutation { createProduct(input: {name: "altair", price: "1.00"}) { id } }');
    const id = created.body.data.createProduct.id;
    const bytes = png(300, 300, 43);
    const editor = p.page.locator('app-query-editor').getByRole('textbox');
    await editor.focus();
    await p.page.keyboard.press('ControlOrMeta+KeyA');
    await p.page.keyboard.press('Delete');
    await p.page.keyboard.insertText('mutation AddImage($id: ID!, $image: Upload!) { addProductImage(productID: $id, image: $image) { id image { url sha256 } } }');
    await p.page.getByText('Variables', { exact: true }).first().click();
    await p.page.locator('app-variables-editor').getByRole('textbox').focus();
    await p.page.keyboard.press('ControlOrMeta+KeyA');
    await p.page.keyboard.press('Delete');
    await p.page.keyboard.insertText(JSON.stringify({ id }));
    await p.page.getByRole('button', { name: 'Add files' }).click();
    const fileName = p.page.getByPlaceholder('File name (used as query variable)');
    await fileName.fill('image');
    await fileName.locator('xpath=ancestor::*[.//input[@type="file"]][1]').locator('input[type=file]')
      .setInputFiles({ name: 'altair-pick.png', mimeType: 'image/png', buffer: bytes });
    const uploaded = p.page.waitForResponse((r) => new URL(r.url()).pathname === '/query'
      && (r.request().headers()['content-type'] || '').startsWith('multipart/form-data'));
    await send.click();
    const up = await uploaded;
    assert.equal(up.request().headers()['apollo-require-preflight'], 'true');
    const upOut = await up.json();
    assert.equal(upOut.errors, undefined, JSON.stringify(upOut));
    assert.equal(upOut.data.addProductImage.image.sha256, sha256(bytes));
    await p.page.getByText('/media/products/images/', { exact: false }).first().waitFor();
    await shot(p.page, 'altair-upload');
    assertClean(p, 'Altair');
  } finally {
    await p.context.close();
  }
});

test('settings: with INTROSPECTION=false and API_TOKENS, the pages say so and send the tab\'s token', T, async (t) => {
  const bin = process.env.MEDIAGRAPH_BIN;
  if (!bin) return t.skip('MEDIAGRAPH_BIN not set (run.mjs sets it)');
  const tmp = fs.mkdtempSync(path.join(process.env.E2E_TMP || os.tmpdir(), 'playgrounds-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const token = 'e2e-playground-token';
  const env = { ...process.env, ADDR: `127.0.0.1:${port}`, DATABASE_URL: `sqlite:${path.join(tmp, 'db.sqlite')}`,
    STORAGE_URL: path.join(tmp, 'media'), MEDIA_URL: '/media/', INTROSPECTION: 'false', API_TOKENS: token };
  const server = startServer(bin, { env, cwd: tmp, logFile: path.join(tmp, 'server.log') });
  try {
    await waitReady(server, `${base}/readyz`, 30_000);

    // GraphiQL: a plain notice, no introspection attempt, a token field.
    const g = await openPage(`${base}/`);
    try {
      await g.page.getByRole('status').getByText('The server hides its schema').waitFor();
      const run = g.page.getByRole('button', { name: /^Execute query/ });
      await run.waitFor();
      await setEditor(g.page, 'Operation Editor', 'mutation Create { createProduct(input: {name: "tokened", price: "2.00"}) { id name } }');
      await g.page.getByRole('tab', { name: 'Create' }).waitFor();
      await run.click();
      await waitForResult(g.page, 'UNAUTHENTICATED');

      await g.page.getByLabel('Bearer token').fill(token);
      await g.page.getByRole('button', { name: 'Use for this tab' }).click();
      await g.page.getByText('token set').waitFor();
      await run.click();
      await waitForResult(g.page, '"tokened"');
      await shot(g.page, 'graphiql-settings');
      const sent = g.queries.filter((q) => q.body.includes('tokened'));
      assert.equal(sent.at(-1).headers.authorization, `Bearer ${token}`);
      assert.ok(!g.queries.some((q) => q.body.includes('IntrospectionQuery')), 'GraphiQL did not try to introspect');
      const stored = await g.page.evaluate(() => ({ local: JSON.stringify({ ...localStorage }), session: JSON.stringify({ ...sessionStorage }) }));
      assert.ok(!stored.local.includes(token), 'the token is not in localStorage');
      assert.ok(stored.session.includes(token), 'the token is in sessionStorage');
      // GraphiQL's own errors for a refused request are expected in the console? None: it shows them in the pane.
      // The browser logs the 401 of the mutation sent without a token; nothing else may be logged.
      g.errors = g.errors.filter((e) => !/status of 401 \(Unauthorized\)/.test(e));
      assertClean(g, 'GraphiQL (settings)');
    } finally {
      await g.context.close();
    }

    // Altair: the same notice and token box; its requests carry the token.
    const a = await openPage(`${base}/altair`);
    try {
      await a.page.getByRole('status').getByText('The server hides its schema').waitFor();
      await a.page.getByLabel('Bearer token').fill(token);
      await a.page.getByRole('button', { name: 'Use for this tab' }).click();
      await a.page.getByText('token set').waitFor();
      const send = a.page.getByRole('button', { name: 'Send Request' });
      const answer = a.page.waitForResponse((r) => new URL(r.url()).pathname === '/query' && (r.request().postData() ?? '').includes('products'));
      await send.click();
      const res = await answer;
      assert.equal(res.request().headers().authorization, `Bearer ${token}`);
      assert.equal(res.request().headers()['apollo-require-preflight'], 'true');
      await a.page.getByText('"totalCount"').first().waitFor();
      await shot(a.page, 'altair-settings');
      const local = await a.page.evaluate(() => JSON.stringify({ ...localStorage }));
      assert.ok(!local.includes(token), 'the token is not in localStorage');
      assertClean(a, 'Altair (settings)');
    } finally {
      await a.context.close();
    }
  } finally {
    await stopServer(server);
    if (!process.env.E2E_TMP) fs.rmSync(tmp, { recursive: true, force: true });
  }
});

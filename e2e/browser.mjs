// Browser end-to-end test: a small page (browser/index.html + browser/app.mjs bundled by esbuild
// into a temporary dir at test time) uses Apollo Client + UploadHttpLink in Chromium, driven by
// playwright-core. The page is served by a node:http server that also reverse-proxies /query and
// /media/ to the Go server, so everything is same-origin (no CORS needed).
// Run by run.mjs (MEDIAGRAPH_URL set); CHROMIUM overrides /usr/bin/chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';
import { baseURL, timedFetch } from './lib/client.mjs';
import { png, sha256 } from './lib/png.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const T = { timeout: 60_000 };
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

let tmp, ownTmp = false, site, pageURL, browser, page;
const consoleErrors = [];

function proxy(req, res, upstream) {
  const up = http.request({
    host: upstream.hostname,
    port: upstream.port,
    method: req.method,
    path: req.url,
    headers: { ...req.headers, host: upstream.host },
    timeout: 30_000,
  }, (ur) => {
    res.writeHead(ur.statusCode, ur.headers);
    ur.pipe(res);
  });
  up.on('timeout', () => up.destroy(new Error('upstream timeout')));
  up.on('error', (e) => {
    if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'text/plain' });
    res.end(`proxy error: ${e.message}`);
  });
  req.pipe(up);
}

before(async () => {
  const upstream = new URL(baseURL());
  if (process.env.E2E_TMP) tmp = fs.mkdtempSync(path.join(process.env.E2E_TMP, 'browser-'));
  else { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mediagraph-browser-')); ownTmp = true; }

  // 1. bundle the page script into the temporary dir
  const outfile = path.join(tmp, 'app.js');
  await esbuild.build({
    entryPoints: [path.join(here, 'browser', 'app.mjs')],
    outfile, bundle: true, format: 'esm', platform: 'browser', target: 'chrome110',
    minify: true, logLevel: 'warning', define: { 'process.env.NODE_ENV': '"production"' },
  });
  const appJs = fs.readFileSync(outfile);
  const indexHtml = fs.readFileSync(path.join(here, 'browser', 'index.html'));

  // 2. serve it, proxying the API and the media to the Go server
  site = http.createServer((req, res) => {
    const p = new URL(req.url, 'http://x').pathname;
    if (p === '/query' || p.startsWith('/media/')) return proxy(req, res, upstream);
    if (p === '/' || p === '/index.html') { res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }); return res.end(indexHtml); }
    if (p === '/app.js') { res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8' }); return res.end(appJs); }
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
  });
  await new Promise((r) => site.listen(0, '127.0.0.1', r));
  pageURL = `http://127.0.0.1:${site.address().port}/`;

  // 3. Chromium
  assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing: run e2e/install.sh`);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 30_000,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  page = await browser.newPage();
  page.setDefaultTimeout(30_000);
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  await page.goto(pageURL, { timeout: 15_000 });
  await page.waitForFunction(() => document.querySelector('#file') !== null, null, { timeout: 10_000 });
});

after(async () => {
  await browser?.close().catch(() => {});
  await new Promise((r) => (site ? site.close(r) : r()));
  if (ownTmp && tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** Pick files in <input type=file>, wait for the page to report the n-th upload's outcome. */
async function pick(files) {
  const n = Number(await page.evaluate(() => document.querySelector('#status').dataset.n || '0')) + 1;
  await page.setInputFiles('#file', files);
  await page.waitForSelector(`#status[data-n="${n}"]`, { timeout: 30_000 });
  return JSON.parse(await page.textContent('#result'));
}

test('browser: pick a 320×320 PNG, createProduct with it, render the returned URL', T, async () => {
  const bytes = png(320, 320, 21);
  const out = await pick({ name: 'browser-pick.png', mimeType: 'image/png', buffer: bytes });
  assert.equal(out.ok, true, `the page's mutation failed: ${JSON.stringify(out)}`);
  const imgs = out.product.images;
  assert.equal(imgs.length, 1, `one image: ${JSON.stringify(out)}`);
  const m = imgs[0].image;
  assert.equal(m.contentType, 'image/png', `contentType: ${JSON.stringify(m)}`);
  assert.equal(m.name, 'browser-pick.png', `name: ${JSON.stringify(m)}`);
  assert.equal(m.size, bytes.length, `size: ${JSON.stringify(m)}`);
  assert.equal(m.sha256, sha256(bytes), `sha256: ${JSON.stringify(m)}`);
  assert.equal(m.width, 320);
  assert.equal(m.height, 320);
  assert.ok(m.path.startsWith('products/images/') && m.url === `/media/${m.path}`, `path/url: ${JSON.stringify(m)}`);

  // The <img src=url> loads, at its stored size.
  await page.waitForFunction(() => {
    const i = document.querySelector('#gallery img.uploaded');
    return i && i.complete;
  }, null, { timeout: 15_000 });
  const dims = await page.evaluate(() => {
    const i = document.querySelector('#gallery img.uploaded');
    return { src: i.src, naturalWidth: i.naturalWidth, naturalHeight: i.naturalHeight };
  });
  assert.equal(dims.naturalWidth, 320, `rendered <img>: ${JSON.stringify(dims)}`);
  assert.equal(dims.naturalHeight, 320, `rendered <img>: ${JSON.stringify(dims)}`);

  // The bytes the browser sees are the bytes it sent (fetched via the page origin's proxy and directly).
  for (const u of [new URL(m.url, pageURL).href, `${baseURL()}${m.url}`]) {
    const res = await timedFetch()(u);
    const body = Buffer.from(await res.arrayBuffer());
    assert.equal(res.status, 200, `GET ${u}`);
    assert.equal(sha256(body), sha256(bytes), `GET ${u}: bytes differ`);
  }
});

test('browser: a 120×90 PNG is refused with IMAGE_TOO_SMALL (field images.0)', T, async () => {
  const out = await pick({ name: 'browser-small.png', mimeType: 'image/png', buffer: png(120, 90, 22) });
  assert.equal(out.ok, false, `expected a refusal: ${JSON.stringify(out)}`);
  assert.equal(out.name, 'CombinedGraphQLErrors', `GraphQL errors (HTTP 200), not a transport error: ${JSON.stringify(out)}`);
  assert.equal(out.codes[0], 'IMAGE_TOO_SMALL', JSON.stringify(out));
  assert.equal(out.fields[0], 'images.0', JSON.stringify(out));
});

test('browser: no errors in the console', T, () => {
  assert.deepEqual(consoleErrors, [], consoleErrors.join(' | '));
});

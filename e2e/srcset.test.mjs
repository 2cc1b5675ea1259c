// Renditions as a browser uses them: in Chromium (playwright-core, Debian's /usr/bin/chromium),
// on a page of the Go server's own origin, an <img srcset sizes="300px"> built from the srcset the
// API answered for a sideways phone photo (stored 800×600, EXIF Orientation 6) fetches the 320w
// variant at deviceScaleFactor 1 and the 600w one at 2, and shows it upright (the displayed
// quadrants: blue top-left, red top-right, grey bottom-left, green bottom-right, read back from a
// canvas); the thumb variant is 100×100 and upright; the original, which keeps its Orientation tag,
// is shown by the browser at the size the API answered (600×800) and upright too; the placeholder
// data: URI decodes to a small portrait image. Screenshot: E2E_SCREENSHOTS (default
// e2e/screenshots/, gitignored)/renditions.png. Skipped with E2E_SKIP_BROWSER=1.
// Run by run.mjs (MEDIAGRAPH_URL, E2E_TMP set).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gql } from '@apollo/client';
import { chromium } from 'playwright-core';
import { baseURL, makeClient, fileOf, show } from './lib/client.mjs';
import { phonePhoto, UPRIGHT_QUADRANTS } from './lib/phonephoto.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const T = { timeout: 60_000 };
const skip = process.env.E2E_SKIP_BROWSER === '1' && 'E2E_SKIP_BROWSER=1';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SHOTS = process.env.E2E_SCREENSHOTS || path.join(here, 'screenshots');
const TOLERANCE = 40; // per channel: JPEG at the centre of a flat quadrant
const client = makeClient();

const VARIANT = 'name url width height contentType';
const ADD_IMAGE = gql`mutation AddProductImage($productID: ID!, $image: Upload!) {
  addProductImage(productID: $productID, image: $image) { id image { url width height srcset placeholder variants { ${VARIANT} } } } }`;
const PLACEHOLDER = gql`query Placeholder($id: ID!) { node(id: $id) { ... on ProductImage { image { placeholder } } } }`;

let browser;
let image; // the MediaFile the API answered
const consoleErrors = [];

async function must(op) {
  let r;
  try {
    r = await op;
  } catch (error) {
    assert.fail(`request failed: ${show(error)}`);
  }
  assert.equal(r.error, undefined, `unexpected error from the server: ${show(r.error)}`);
  return r.data;
}

before(async () => {
  if (skip) return;
  assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing: run e2e/install.sh`);
  fs.mkdirSync(SHOTS, { recursive: true });
  const { bytes } = await phonePhoto({ width: 800, height: 600, timeoutMs: 120_000 });
  const p = (await must(client.mutate({ mutation: gql`mutation { createProduct(input: { name: "E2E srcset", price: "1.00" }) { id } }`, errorPolicy: 'all' }))).createProduct;
  const pi = (await must(client.mutate({ mutation: ADD_IMAGE, errorPolicy: 'all', variables: { productID: p.id, image: fileOf(bytes, 'sideways.jpg', 'image/jpeg') } }))).addProductImage;
  image = pi.image;
  // The placeholder is written by the background job: wait for it (at most 10 s) to show it too.
  const deadline = Date.now() + 10_000;
  while (!image.placeholder && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 150));
    image.placeholder = (await must(client.query({ query: PLACEHOLDER, variables: { id: pi.id }, errorPolicy: 'all' }))).node?.image?.placeholder ?? null;
  }
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 30_000,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}, { timeout: 150_000 });

after(async () => {
  await browser?.close().catch(() => {});
});

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
const variant = (name) => image.variants.find((v) => v.name === name);

/**
 * A page of the server's own origin (GET /healthz, then the document replaced) showing the srcset
 * <img>, the thumb, the original and the placeholder; records the /media/ URLs it requests.
 */
async function openPage(deviceScaleFactor) {
  const context = await browser.newContext({ viewport: { width: 1000, height: 520 }, deviceScaleFactor });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const media = [];
  page.on('request', (r) => { const u = new URL(r.url()); if (u.pathname.startsWith('/media/')) media.push(u.pathname); });
  page.on('console', (m) => {
    // Chromium asks for /favicon.ico after navigating to /healthz: the server has none (404), and it is no page error.
    if (m.type() === 'error' && !m.location().url?.endsWith('/favicon.ico')) consoleErrors.push(`dsf ${deviceScaleFactor}: ${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => consoleErrors.push(`dsf ${deviceScaleFactor}: ${e}`));
  page.on('response', (r) => { if (r.status() >= 400) consoleErrors.push(`dsf ${deviceScaleFactor}: ${r.status()} ${r.url()}`); });
  const res = await page.goto(`${baseURL()}/healthz`, { timeout: 15_000 });
  assert.equal(res.status(), 200, 'GET /healthz');
  await page.setContent(`<!doctype html><html><head><meta charset="utf-8"><title>renditions</title><style>
    body { margin: 0; padding: 8px; font: 13px sans-serif; background: #fafafa; }
    figure { display: inline-block; margin: 0 12px 0 0; vertical-align: top; }
    figcaption { margin-top: 4px; color: #333; }
    img { display: block; background: repeating-conic-gradient(#ddd 0 25%, #fff 0 50%) 0 0 / 16px 16px; }
  </style></head><body>
    <figure><img id="srcset" srcset="${esc(image.srcset)}" sizes="300px" alt="srcset"><figcaption>srcset, sizes=300px</figcaption></figure>
    <figure><img id="thumb" src="${esc(variant('thumb').url)}" alt="thumb"><figcaption>thumb</figcaption></figure>
    <figure><img id="original" src="${esc(image.url)}" style="width: 300px" alt="original"><figcaption>original (Orientation 6)</figcaption></figure>
    ${image.placeholder ? `<figure><img id="placeholder" src="${esc(image.placeholder)}" style="width: 150px; height: 200px" alt="placeholder"><figcaption>placeholder</figcaption></figure>` : ''}
  </body></html>`, { waitUntil: 'load', timeout: 15_000 });
  await page.waitForFunction(() => [...document.images].every((i) => i.complete), null, { timeout: 15_000 });
  return { context, page, media };
}

/**
 * What the page shows of an <img>: its current source, its natural size (for a srcset candidate,
 * divided by the candidate's density: the CSS size it is laid out at), its laid-out width, the pixel
 * size of the resource itself (decoded again from currentSrc, the memory cache's copy) and the
 * colours at its quadrants' centres, read from a canvas it is drawn on at that pixel size.
 */
function inspect(page, id) {
  return page.evaluate(async (id) => {
    const img = document.getElementById(id);
    const own = new Image();
    own.src = img.currentSrc;
    await own.decode();
    const w = own.naturalWidth, h = own.naturalHeight;
    const c = document.createElement('canvas');
    c.width = w; c.height = h;
    const g = c.getContext('2d');
    g.drawImage(own, 0, 0);
    const at = (fx, fy) => Array.from(g.getImageData(Math.floor(w * fx), Math.floor(h * fy), 1, 1).data.slice(0, 3));
    return {
      currentSrc: img.currentSrc.startsWith('data:') ? 'data:…' : new URL(img.currentSrc).pathname,
      naturalWidth: img.naturalWidth,
      naturalHeight: img.naturalHeight,
      layoutWidth: img.width,
      pixelWidth: w,
      pixelHeight: h,
      quadrants: { topLeft: at(0.25, 0.25), topRight: at(0.75, 0.25), bottomLeft: at(0.25, 0.75), bottomRight: at(0.75, 0.75) },
    };
  }, id);
}

function assertUpright(got, what, tolerance = TOLERANCE) {
  for (const [q, want] of Object.entries(UPRIGHT_QUADRANTS)) {
    const c = got.quadrants[q];
    assert.ok(c.every((v, i) => Math.abs(v - want[i]) <= tolerance), `${what}: ${q} is ${JSON.stringify(c)}, want ${JSON.stringify(want)} ±${tolerance} (upright: blue, red / grey, green); all: ${JSON.stringify(got.quadrants)}`);
  }
}

test('Chromium, deviceScaleFactor 1: srcset picks the 320w variant, upright 320×427; thumb 100×100; the original 600×800 upright', { ...T, skip }, async () => {
  const small = variant('small');
  const medium = variant('medium');
  assert.equal(image.srcset, `${small.url} 320w, ${medium.url} 600w`, `srcset: ${show(image)}`);
  const { context, page, media } = await openPage(1);
  try {
    const s = await inspect(page, 'srcset');
    assert.equal(s.currentSrc, small.url, `currentSrc at dsf 1: ${JSON.stringify(s)}`);
    assert.deepEqual([s.pixelWidth, s.pixelHeight], [320, 427], `the resource's natural size (upright portrait): ${JSON.stringify(s)}`);
    assert.equal(s.layoutWidth, 300, `laid out at sizes=300px: ${JSON.stringify(s)}`);
    assert.ok(media.includes(small.url), `requested ${small.url}: ${media.join(', ')}`);
    assert.ok(!media.includes(medium.url), `did not request ${medium.url}: ${media.join(', ')}`);
    assertUpright(s, 'srcset (320w) on a canvas');

    const th = await inspect(page, 'thumb');
    assert.deepEqual([th.naturalWidth, th.naturalHeight], [100, 100], `thumb naturalWidth, naturalHeight: ${JSON.stringify(th)}`);
    assertUpright(th, 'thumb on a canvas');

    // The original keeps its Orientation tag: the browser applies it, and shows the size the API said.
    const o = await inspect(page, 'original');
    assert.deepEqual([o.naturalWidth, o.naturalHeight], [image.width, image.height], `original as the browser shows it vs the API's width/height: ${JSON.stringify(o)}`);
    assertUpright(o, 'original on a canvas');

    if (image.placeholder) {
      const ph = await inspect(page, 'placeholder');
      assert.ok(ph.pixelWidth > 0 && ph.pixelWidth < ph.pixelHeight, `placeholder decodes to a portrait image: ${JSON.stringify(ph)}`);
      // Tiny and blurred: only which channel leads in each quadrant.
      const lead = (c) => c.indexOf(Math.max(...c));
      assert.equal(lead(ph.quadrants.topLeft), 2, `placeholder top-left is blue-ish: ${JSON.stringify(ph.quadrants)}`);
      assert.equal(lead(ph.quadrants.topRight), 0, `placeholder top-right is red-ish: ${JSON.stringify(ph.quadrants)}`);
      assert.equal(lead(ph.quadrants.bottomRight), 1, `placeholder bottom-right is green-ish: ${JSON.stringify(ph.quadrants)}`);
    } else assert.fail('placeholder still null 10 s after the upload');

    await page.screenshot({ path: path.join(SHOTS, 'renditions.png') });
  } finally {
    await context.close();
  }
});

test('Chromium, deviceScaleFactor 2: srcset picks the 600w variant, upright 600×800', { ...T, skip }, async () => {
  const small = variant('small');
  const medium = variant('medium');
  const { context, page, media } = await openPage(2);
  try {
    const s = await inspect(page, 'srcset');
    assert.equal(s.currentSrc, medium.url, `currentSrc at dsf 2: ${JSON.stringify(s)}`);
    assert.deepEqual([s.pixelWidth, s.pixelHeight], [600, 800], `the resource's natural size (upright portrait): ${JSON.stringify(s)}`);
    assert.deepEqual([s.naturalWidth, s.naturalHeight, s.layoutWidth], [300, 400, 300], `density 2: natural size 300×400, laid out at 300px: ${JSON.stringify(s)}`);
    assert.ok(media.includes(medium.url), `requested ${medium.url}: ${media.join(', ')}`);
    assert.ok(!media.includes(small.url), `did not request ${small.url}: ${media.join(', ')}`);
    assertUpright(s, 'srcset (600w) on a canvas');
    await page.screenshot({ path: path.join(SHOTS, 'renditions-dsf2.png') });
  } finally {
    await context.close();
  }
});

test('Chromium: no errors in the console', { ...T, skip }, () => {
  assert.deepEqual(consoleErrors, [], consoleErrors.join(' | '));
});

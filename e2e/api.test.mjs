// End-to-end tests of the mediagraph GraphQL API through the real client stack:
// Apollo Client 4 + apollo-upload-client's UploadHttpLink (GraphQL multipart request spec).
// Run by run.mjs (which builds and starts the server and sets MEDIAGRAPH_URL); the tests in this
// file run in order and build on each other (products and documents created early are read back later).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { gql } from '@apollo/client';
import { CombinedGraphQLErrors } from '@apollo/client/errors';
import { baseURL, makeClient, fileOf, show, timedFetch } from './lib/client.mjs';
import { png, pdf, sha256, PNG_SIGNATURE } from './lib/png.mjs';

const T = { timeout: 60_000 };
const fresh = process.env.MEDIAGRAPH_FRESH === '1'; // a new, empty database: counts are exact
const client = makeClient();
const httpFetch = timedFetch(30_000);

const MEDIA = 'path url name size contentType sha256 width height';
const PIMG = `id position alt image { ${MEDIA} }`;
const CREATE_PRODUCT = gql`mutation CreateProduct($input: CreateProductInput!, $images: [Upload!]) {
  createProduct(input: $input, images: $images) { id name description price images { ${PIMG} } } }`;
const CREATE_PRODUCT_PLAIN = gql`mutation CreateProductPlain($input: CreateProductInput!) {
  createProduct(input: $input) { id name description price } }`;
const ADD_IMAGE = `mutation AddProductImage($productID: ID!, $image: Upload!, $alt: String) {
  addProductImage(productID: $productID, image: $image, alt: $alt) { ${PIMG} product { id } } }`;
const ADD_IMAGES = gql`mutation AddProductImages($productID: ID!, $images: [Upload!]!) {
  addProductImages(productID: $productID, images: $images) { ${PIMG} } }`;
const CREATE_DOCUMENT = gql`mutation CreateDocument($input: CreateDocumentInput!) {
  createDocument(input: $input) { id title file { ${MEDIA} } image { ${MEDIA} } } }`;
const PRODUCT = gql`query Product($id: ID!) {
  product(id: $id) { id name images { id position alt image { url sha256 width height } } } }`;
const PRODUCTS = gql`query Products { products(first: 10) {
  totalCount edges { node { id name images { image { url } } } } } }`;
const DOCUMENTS_COUNT = gql`query DocumentsCount { documents(first: 1) { totalCount } }`;

// What the tests created, for the read-back tests. Each image: { bytes, name, alt, position }.
const S = { p1: null, p1Images: [], p2: null, p2Images: [], doc: null };

const mkPng = (w, h, seed, name) => ({ bytes: png(w, h, seed), name, width: w, height: h });

/** mutate/query with errorPolicy 'all': returns { data, error } instead of throwing on GraphQL errors. */
async function mutateAll(opts) {
  try {
    return await client.mutate({ errorPolicy: 'all', ...opts });
  } catch (error) {
    return { data: undefined, error };
  }
}
async function mustMutate(opts) {
  const r = await mutateAll(opts);
  assert.equal(r.error, undefined, `unexpected error from the server: ${show(r.error)}`);
  assert.ok(r.data, `no data: ${show(r)}`);
  return r.data;
}
async function mustQuery(opts) {
  let r;
  try {
    r = await client.query({ errorPolicy: 'all', ...opts });
  } catch (error) {
    assert.fail(`query failed: ${show(error)}`);
  }
  assert.equal(r.error, undefined, `unexpected error from the server: ${show(r.error)}`);
  return r.data;
}

/** The MediaFile the server returned describes exactly the bytes we sent. */
function checkMedia(m, { bytes, name, contentType, prefix, ext, width, height }, what) {
  assert.ok(m, `${what}: no MediaFile returned`);
  const ctx = `${what}: ${show(m)}`;
  assert.equal(m.contentType, contentType, `${ctx}: contentType`);
  assert.equal(m.size, bytes.length, `${ctx}: size`);
  assert.equal(m.sha256, sha256(bytes), `${ctx}: sha256 (of the bytes sent)`);
  assert.equal(m.name, name, `${ctx}: name (the client's file name)`);
  assert.ok(m.path.startsWith(prefix), `${ctx}: path should start with ${prefix}`);
  assert.match(m.path, /^[A-Za-z0-9._/-]+$/, `${ctx}: path should use safe characters only`);
  assert.ok(m.path.endsWith(ext), `${ctx}: path should end with ${ext} (extension from the detected type)`);
  assert.equal(m.url, `/media/${m.path}`, `${ctx}: url = MEDIA_URL + path`);
  assert.equal(m.width, width ?? null, `${ctx}: width`);
  assert.equal(m.height, height ?? null, `${ctx}: height`);
}
const pngMedia = (f, what) => (m) => checkMedia(m, { ...f, contentType: 'image/png', prefix: 'products/images/', ext: '.png' }, what);

async function getMedia(url, init) {
  const res = await httpFetch(`${baseURL()}${url}`, init);
  const body = Buffer.from(await res.arrayBuffer());
  return { res, body };
}

const UPLOAD_RULES = gql`query UploadRules { uploadRules {
  target contentTypes extensions maxBytes minWidth minHeight maxPixels } }`;

test('0. uploadRules: the default limits in force', T, async () => {
  const rules = (await mustQuery({ query: UPLOAD_RULES })).uploadRules;
  const by = Object.fromEntries((rules || []).map((r) => [r.target, r]));
  const ctx = show(rules);
  assert.deepEqual(Object.keys(by).sort(), ['Document.file', 'Document.image', 'ProductImage.image'], `targets: ${ctx}`);
  const img = by['ProductImage.image'];
  assert.deepEqual([...img.contentTypes].sort(), ['image/gif', 'image/jpeg', 'image/png', 'image/webp'], `ProductImage.image contentTypes: ${ctx}`);
  assert.equal(img.maxBytes, 10 * 1024 * 1024, `ProductImage.image maxBytes: ${ctx}`);
  assert.equal(img.minWidth, 300, `ProductImage.image minWidth: ${ctx}`);
  assert.equal(img.minHeight, 300, `ProductImage.image minHeight: ${ctx}`);
  assert.equal(img.maxPixels, 40_000_000, `ProductImage.image maxPixels: ${ctx}`);
  assert.deepEqual([...by['Document.file'].extensions].sort(), ['docx', 'pdf', 'txt'], `Document.file extensions: ${ctx}`);
  assert.equal(by['Document.file'].maxBytes, 20 * 1024 * 1024, `Document.file maxBytes: ${ctx}`);
  assert.equal(by['Document.image'].maxBytes, 500 * 1024, `Document.image maxBytes: ${ctx}`);
});

test('1. createProduct, then addProductImage with one 320×320 PNG', T, async () => {
  const input = { name: 'E2E desk lamp', description: 'made by the e2e suite', price: '19.90' };
  const data = await mustMutate({ mutation: CREATE_PRODUCT_PLAIN, variables: { input } });
  const p = data.createProduct;
  assert.ok(p && typeof p.id === 'string' && p.id.length > 0, `createProduct: ${show(p)}`);
  assert.equal(p.name, input.name);
  assert.equal(p.description, input.description);
  assert.equal(p.price, '19.90', `Decimal price: ${show(p)}`);
  S.p1 = p.id;

  const f = { ...mkPng(320, 320, 1, 'front-view.png'), alt: 'Front view' };
  const r = await mustMutate({
    mutation: gql(ADD_IMAGE),
    variables: { productID: p.id, image: fileOf(f.bytes, f.name, 'image/png'), alt: f.alt },
  });
  const pi = r.addProductImage;
  assert.ok(pi?.id, `addProductImage: ${show(r)}`);
  assert.equal(pi.product?.id, p.id, 'image belongs to the product');
  assert.equal(pi.alt, f.alt);
  assert.equal(pi.position, 0, 'first image gets position 0');
  pngMedia(f, 'addProductImage.image')(pi.image);
  S.p1Images.push({ ...f, position: 0 });
});

test('2. addProductImages with 3 files: positions follow on (1, 2, 3)', T, async (t) => {
  if (!S.p1) return t.skip('needs test 1');
  const files = [2, 3, 4].map((seed, i) => mkPng(320 + i * 10, 320, seed, `detail-${i + 1}.png`));
  const data = await mustMutate({
    mutation: ADD_IMAGES,
    variables: { productID: S.p1, images: files.map((f) => fileOf(f.bytes, f.name, 'image/png')) },
  });
  const list = data.addProductImages;
  assert.ok(Array.isArray(list), `addProductImages: ${show(data)}`);
  assert.equal(list.length, 3, `3 ProductImages: ${show(list)}`);
  assert.deepEqual(list.map((x) => x.position), [1, 2, 3], `positions: ${show(list)}`);
  list.forEach((pi, i) => {
    pngMedia(files[i], `addProductImages[${i}].image`)(pi.image);
    assert.equal(pi.alt, '', 'no alt given: empty string');
  });
  const paths = new Set(list.map((x) => x.image.path));
  assert.equal(paths.size, 3, 'stored names are unique');
  files.forEach((f, i) => S.p1Images.push({ ...f, alt: '', position: i + 1 }));
});

test('3. createProduct with 2 images in one request', T, async () => {
  const files = [mkPng(400, 300, 5, 'side.png'), mkPng(300, 400, 6, 'back.png')];
  const input = { name: 'E2E armchair', price: '249.00' };
  const data = await mustMutate({
    mutation: CREATE_PRODUCT,
    variables: { input, images: files.map((f) => fileOf(f.bytes, f.name, 'image/png')) },
  });
  const p = data.createProduct;
  assert.ok(p?.id, `createProduct: ${show(data)}`);
  assert.equal(p.price, '249.00');
  assert.equal(p.description, '', 'description defaults to empty');
  assert.equal(p.images.length, 2, `2 images: ${show(p.images)}`);
  assert.deepEqual(p.images.map((x) => x.position), [0, 1], `positions: ${show(p.images)}`);
  p.images.forEach((pi, i) => pngMedia(files[i], `createProduct.images[${i}].image`)(pi.image));
  S.p2 = p.id;
  files.forEach((f, i) => S.p2Images.push({ ...f, alt: '', position: i }));
});

test('4. createDocument with a PDF and a 320×320 PNG', T, async () => {
  const file = { bytes: pdf('e2e spec sheet'), name: 'spec-sheet.pdf' };
  const image = mkPng(320, 320, 7, 'cover.png');
  assert.ok(image.bytes.length < 500 * 1024, `fixture: document image must be < 500 KiB (is ${image.bytes.length})`);
  const data = await mustMutate({
    mutation: CREATE_DOCUMENT,
    variables: {
      input: {
        title: 'E2E spec sheet',
        file: fileOf(file.bytes, file.name, 'application/pdf'),
        image: fileOf(image.bytes, image.name, 'image/png'),
      },
    },
  });
  const d = data.createDocument;
  assert.ok(d?.id, `createDocument: ${show(data)}`);
  assert.equal(d.title, 'E2E spec sheet');
  checkMedia(d.file, { ...file, contentType: 'application/pdf', prefix: 'documents/', ext: '.pdf' }, 'createDocument.file');
  checkMedia(d.image, { ...image, contentType: 'image/png', prefix: 'images/', ext: '.png' }, 'createDocument.image');
  S.doc = { id: d.id, file: { ...file, url: d.file.url }, image: { ...image, url: d.image.url } };
});

test('5. read back: product(id) and products(first: 10), then fetch every media URL', T, async (t) => {
  if (!S.p1) return t.skip('needs test 1');
  const data = await mustQuery({ query: PRODUCT, variables: { id: S.p1 } });
  const imgs = data.product?.images;
  assert.ok(Array.isArray(imgs), `product(id): ${show(data)}`);
  assert.equal(imgs.length, S.p1Images.length, `all images present: ${show(imgs)}`);
  imgs.forEach((pi, i) => {
    const want = S.p1Images[i];
    assert.equal(pi.position, want.position, `images[${i}].position (position order): ${show(imgs)}`);
    assert.equal(pi.alt, want.alt, `images[${i}].alt`);
    assert.equal(pi.image.sha256, sha256(want.bytes), `images[${i}].image.sha256 (order by position): ${show(imgs)}`);
    assert.equal(pi.image.width, want.width, `images[${i}].image.width`);
    assert.equal(pi.image.height, want.height, `images[${i}].image.height`);
  });

  const list = (await mustQuery({ query: PRODUCTS })).products;
  assert.ok(list && Array.isArray(list.edges), `products(first: 10): ${show(list)}`);
  const known = S.p2 ? 2 : 1; // test 3 may have failed
  if (fresh && S.p2) assert.equal(list.totalCount, 2, `totalCount on a fresh database: ${show(list)}`);
  else assert.ok(list.totalCount >= known, `totalCount: ${show(list)}`);
  const byId = new Map(list.edges.map((e) => [e.node.id, e.node]));
  for (const [id, want] of [[S.p1, imgs.map((x) => x.image.url)], ...(S.p2 ? [[S.p2, null]] : [])]) {
    const node = byId.get(id);
    assert.ok(node, `product ${id} listed in products(first: 10): ${show(list)}`);
    const urls = node.images.map((x) => x.image.url);
    if (want) assert.deepEqual(urls, want, `nested images of ${id} in position order`);
    else assert.equal(urls.length, S.p2Images.length, `nested images of ${id}: ${show(node)}`);
  }

  // Every URL serves exactly the bytes that were sent, with the stored type and nosniff.
  const p2 = S.p2 ? byId.get(S.p2) : { images: [] };
  const toFetch = [
    ...imgs.map((pi, i) => ({ url: pi.image.url, want: S.p1Images[i] })),
    ...p2.images.map((pi, i) => ({ url: pi.image.url, want: S.p2Images[i] })),
  ];
  for (const { url, want } of toFetch) {
    const { res, body } = await getMedia(url);
    assert.equal(res.status, 200, `GET ${url}: status`);
    assert.equal(sha256(body), sha256(want.bytes), `GET ${url}: bytes differ from ${want.name} (${body.length} vs ${want.bytes.length} bytes)`);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff', `GET ${url}: X-Content-Type-Options`);
    assert.match(res.headers.get('content-type') || '', /^image\/png(;|$)/, `GET ${url}: Content-Type`);
  }
});

test('5b. read back the document: PDF served as an attachment, its image inline-able', T, async (t) => {
  if (!S.doc) return t.skip('needs test 4');
  const f = await getMedia(S.doc.file.url);
  assert.equal(f.res.status, 200, `GET ${S.doc.file.url}: status`);
  assert.ok(f.body.equals(S.doc.file.bytes), `GET ${S.doc.file.url}: bytes differ`);
  assert.match(f.res.headers.get('content-type') || '', /^application\/pdf(;|$)/, 'PDF Content-Type');
  assert.equal(f.res.headers.get('x-content-type-options'), 'nosniff', 'PDF X-Content-Type-Options');
  const cd = f.res.headers.get('content-disposition') || '';
  assert.ok(cd.startsWith('attachment'), `PDF Content-Disposition should start with "attachment", got ${JSON.stringify(cd)}`);
  const i = await getMedia(S.doc.image.url);
  assert.equal(i.res.status, 200, `GET ${S.doc.image.url}: status`);
  assert.ok(i.body.equals(S.doc.image.bytes), `GET ${S.doc.image.url}: bytes differ`);
  assert.match(i.res.headers.get('content-type') || '', /^image\/png(;|$)/, 'document image Content-Type');
  assert.equal(i.res.headers.get('x-content-type-options'), 'nosniff', 'document image X-Content-Type-Options');
});

test('5c. media serving: HEAD, ETag/If-None-Match, Range, 404s', T, async (t) => {
  if (!S.p1) return t.skip('needs test 1');
  const { image } = (await mustQuery({ query: PRODUCT, variables: { id: S.p1 } })).product.images[0];
  const want = S.p1Images[0].bytes;
  const head = await getMedia(image.url, { method: 'HEAD' });
  assert.equal(head.res.status, 200, 'HEAD status');
  assert.equal(head.body.length, 0, 'HEAD has no body');
  assert.equal(Number(head.res.headers.get('content-length')), want.length, 'HEAD Content-Length');
  const etag = head.res.headers.get('etag');
  assert.ok(etag, 'ETag header present');
  assert.ok(head.res.headers.get('last-modified'), 'Last-Modified header present');
  assert.match(head.res.headers.get('cache-control') || '', /max-age=\d{6,}/, 'long Cache-Control');
  const cond = await getMedia(image.url, { headers: { 'If-None-Match': etag } });
  assert.equal(cond.res.status, 304, 'If-None-Match with the ETag: 304');
  const range = await getMedia(image.url, { headers: { Range: 'bytes=0-7' } });
  assert.equal(range.res.status, 206, 'Range: 206');
  assert.ok(range.body.equals(PNG_SIGNATURE), `Range bytes=0-7 is the PNG signature: ${range.body.toString('hex')}`);
  for (const p of ['/media/products/images/', '/media/products/images', '/media/products/images/no-such-file.png']) {
    const r = await getMedia(p, { redirect: 'manual' });
    assert.equal(r.res.status, 404, `GET ${p}: expected 404, got ${r.res.status} ${r.body.subarray(0, 200).toString()}`);
  }
  // Outside the media root: the server log and the database sit next to the media dir in the
  // temporary data dir run.mjs creates. Whatever the answer (404, 400, a redirect), never the file.
  for (const p of ['/media/..%2fserver.log', '/media/..%2fmediagraph.db', '/media/%2e%2e%2fserver.log', '/media/products%2f..%2f..%2fserver.log']) {
    const r = await getMedia(p, { redirect: 'manual' });
    assert.ok(r.res.status >= 300, `GET ${p}: expected a refusal, got ${r.res.status} ${r.body.subarray(0, 200).toString()}`);
  }
});

async function imageCount(id) {
  const data = await mustQuery({ query: PRODUCT, variables: { id } });
  return data.product.images.length;
}
async function documentCount() {
  return (await mustQuery({ query: DOCUMENTS_COUNT })).documents.totalCount;
}
function firstError(r, what) {
  assert.ok(r.error, `${what}: expected a GraphQL error, got data ${show(r.data)}`);
  assert.ok(CombinedGraphQLErrors.is(r.error), `${what}: expected CombinedGraphQLErrors (HTTP 200 with errors), got ${show(r.error)}`);
  return r.error.errors[0];
}

test('6a. IMAGE_TOO_SMALL: a 120×90 PNG to addProductImage, field "image", no new row', T, async (t) => {
  if (!S.p1) return t.skip('needs test 1');
  const before = await imageCount(S.p1);
  const small = png(120, 90, 8);
  const r = await mutateAll({
    mutation: gql(ADD_IMAGE),
    variables: { productID: S.p1, image: fileOf(small, 'tiny.png', 'image/png') },
  });
  const e = firstError(r, 'addProductImage(120×90)');
  assert.equal(e.extensions?.code, 'IMAGE_TOO_SMALL', `extensions.code: ${show(r.error.errors)}`);
  assert.equal(e.extensions?.field, 'image', `extensions.field: ${show(r.error.errors)}`);
  assert.equal(await imageCount(S.p1), before, 'no new image row');
});

test('6b. UNSUPPORTED_FILE_TYPE: plain text named fake.pdf to createDocument, field "input.file"', T, async () => {
  const before = await documentCount();
  const fake = Buffer.from('This is plain text pretending to be a PDF.\nNothing to see here.\n');
  const r = await mutateAll({
    mutation: CREATE_DOCUMENT,
    variables: { input: { title: 'Fake PDF', file: fileOf(fake, 'fake.pdf', 'application/pdf') } },
  });
  const e = firstError(r, 'createDocument(fake.pdf)');
  assert.equal(e.extensions?.code, 'UNSUPPORTED_FILE_TYPE', `extensions.code: ${show(r.error.errors)}`);
  assert.equal(e.extensions?.field, 'input.file', `extensions.field: ${show(r.error.errors)}`);
  assert.equal(await documentCount(), before, 'documents totalCount unchanged');
});

test('6c. all or nothing: addProductImages with one bad file stores none, field "images.1"', T, async (t) => {
  if (!S.p1) return t.skip('needs test 1');
  const before = await imageCount(S.p1);
  const files = [
    fileOf(png(320, 320, 9), 'ok-1.png', 'image/png'),
    fileOf(png(120, 90, 10), 'too-small.png', 'image/png'),
    fileOf(png(320, 320, 11), 'ok-2.png', 'image/png'),
  ];
  const r = await mutateAll({ mutation: ADD_IMAGES, variables: { productID: S.p1, images: files } });
  const e = firstError(r, 'addProductImages(ok, too small, ok)');
  assert.equal(e.extensions?.code, 'IMAGE_TOO_SMALL', `extensions.code: ${show(r.error.errors)}`);
  assert.equal(e.extensions?.field, 'images.1', `extensions.field: ${show(r.error.errors)}`);
  assert.equal(await imageCount(S.p1), before, 'no image row added');
});

test('6d. NOT_FOUND: addProductImage to an unknown product id', T, async () => {
  const r = await mutateAll({
    mutation: gql(ADD_IMAGE),
    variables: { productID: '999999999', image: fileOf(png(320, 320, 12), 'orphan.png', 'image/png') },
  });
  const e = firstError(r, 'addProductImage(unknown id)');
  assert.equal(e.extensions?.code, 'NOT_FOUND', `extensions.code: ${show(r.error.errors)}`);
});

/** A GraphQL multipart request body (operations, map, one file part "0"), built by hand. */
function rawMultipart(productID, bytes) {
  const boundary = `----mediagraph-e2e-${Date.now().toString(16)}`;
  const ops = JSON.stringify({ query: ADD_IMAGE, operationName: 'AddProductImage', variables: { productID, image: null } });
  const part = (name, value, file) => Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"${file ? `; filename="${file}"\r\nContent-Type: image/png` : ''}\r\n\r\n`),
    Buffer.isBuffer(value) ? value : Buffer.from(value),
    Buffer.from('\r\n'),
  ]);
  const body = Buffer.concat([
    part('operations', ops), part('map', JSON.stringify({ 0: ['variables.image'] })), part('0', bytes, 'raw.png'),
    Buffer.from(`--${boundary}--\r\n`),
  ]);
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

/** POST with node:http, headers and body in a single write: a server that answers before reading
 * the body and closes the connection (as DESIGN asks for a CSRF refusal) cannot make the client
 * fail with EPIPE mid-upload before it reads the answer. */
function rawPost(url, { headers, body }) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: 'POST',
      headers: { ...headers, 'Content-Length': body.length },
      timeout: 30_000,
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout after 30s')));
    req.on('error', reject);
    req.end(body);
  });
}

test('7. CSRF: a multipart POST without a preflight header is refused (400, CSRF_BLOCKED)', T, async (t) => {
  if (!S.p1) return t.skip('needs test 1');
  const before = await imageCount(S.p1);
  const bad = rawMultipart(S.p1, png(320, 320, 13));
  // Small body on purpose: the refusal comes before the body is read.
  const small = rawMultipart(S.p1, Buffer.from('not read anyway'));
  const r = await rawPost(`${baseURL()}/query`, { headers: { 'Content-Type': small.contentType }, body: small.body });
  assert.equal(r.status, 400, `HTTP status (body: ${r.text.slice(0, 500)})`);
  let body;
  try { body = JSON.parse(r.text); } catch { assert.fail(`body is not JSON: ${r.text.slice(0, 500)}`); }
  assert.equal(body.errors?.[0]?.extensions?.code, 'CSRF_BLOCKED', `errors[0].extensions.code: ${r.text.slice(0, 500)}`);
  assert.match(r.headers['content-type'] || '', /json/, `Content-Type of the refusal: ${r.headers['content-type']}`);
  assert.equal(await imageCount(S.p1), before, 'no image row added');

  // Control: the same raw request, with X-Apollo-Operation-Name, is accepted.
  const ok = await rawPost(`${baseURL()}/query`, {
    headers: { 'Content-Type': bad.contentType, 'X-Apollo-Operation-Name': 'AddProductImage' },
    body: bad.body,
  });
  assert.equal(ok.status, 200, `with X-Apollo-Operation-Name: status (body: ${ok.text.slice(0, 500)})`);
  const okBody = JSON.parse(ok.text);
  assert.equal(okBody.errors, undefined, `with X-Apollo-Operation-Name: ${ok.text.slice(0, 500)}`);
  assert.equal(okBody.data?.addProductImage?.position, before, `new image goes after the last: ${ok.text.slice(0, 500)}`);
});

const ALL_PATHS = gql`query AllPaths {
  products(first: 100) { edges { node { images { image { path variants { url } } } } } }
  documents(first: 100) { edges { node { file { path } image { path variants { url } } } } } }`;

test('8. no orphaned files: every stored file under the upload_to prefixes is referenced by a row', T, async (t) => {
  const root = process.env.MEDIAGRAPH_MEDIA_DIR;
  if (!root) return t.skip('MEDIAGRAPH_MEDIA_DIR not set (run.mjs sets it)');
  const data = await mustQuery({ query: ALL_PATHS });
  const originals = new Set([
    ...data.products.edges.flatMap((e) => e.node.images.map((i) => i.image.path)),
    ...data.documents.edges.flatMap((e) => [e.node.file.path, e.node.image?.path].filter(Boolean)),
  ]);
  // An image's variants (renditions) are its row's too; made in the
  // background or on their first GET, they may not all be stored yet.
  const variants = [
    ...data.products.edges.flatMap((e) => e.node.images.flatMap((i) => i.image.variants)),
    ...data.documents.edges.flatMap((e) => e.node.image?.variants ?? []),
  ].map((v) => v.url.replace(/^\/media\//, ''));
  const referenced = new Set([...originals, ...variants]);
  const stored = [];
  const others = [];
  for (const rel of fs.readdirSync(root, { recursive: true })) {
    const p = rel.split(path.sep).join('/');
    if (!fs.statSync(path.join(root, rel)).isFile()) continue;
    // fileblob keeps metadata in .attrs sidecars (never served): not orphans
    if (/^(products\/images|documents|images)\//.test(p) && !p.endsWith('.attrs')) stored.push(p); else others.push(p);
  }
  if (others.length) t.diagnostic(`other files under the media root: ${others.join(', ')}`);
  const orphans = stored.filter((p) => !referenced.has(p));
  assert.deepEqual(orphans, [], `stored but not referenced (refused uploads must leave nothing): ${orphans.join(', ')}`);
  const missing = [...originals].filter((p) => !stored.includes(p));
  assert.deepEqual(missing, [], `referenced but not on disk: ${missing.join(', ')}`);
});

// End-to-end tests of image renditions through the real client stack (Apollo Client 4 +
// apollo-upload-client's UploadHttpLink over Node's fetch), with the default presets
// (RENDITIONS=thumb=100x100:cover,small=320,medium=640,large=1280) and IMAGE_METADATA=strip:
// a sideways phone photo (stored 800×600, EXIF Orientation 6) is answered with its displayed size
// (600×800), four variants (thumb 100×100, small 320×427, medium and large sharing the 600w file)
// and a two-entry srcset; every variant URL answers 200 right after the mutation, as an upright
// JPEG of the listed size without metadata or anything secret; the stored original lost its
// secrets but kept its Orientation, ICC profile and pixels; the placeholder appears within 10 s;
// a PNG with transparent corners gets PNG variants that keep them; deleting the image makes every
// URL answer 404, also when the delete comes before the background job is done.
// HTTP only (no look into the media dir): it runs the same on local disk and on S3.
// Run by run.mjs (MEDIAGRAPH_URL, E2E_TMP set); the tests run in order and build on each other.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { gql } from '@apollo/client';
import { baseURL, makeClient, fileOf, show, timedFetch } from './lib/client.mjs';
import { decodePNG, pngRGBA, sha256 } from './lib/png.mjs';
import { describeSegments, exifOrientation, iccProfile, jpegSegments, jpegSize, trailingBytes } from './lib/jpeg.mjs';
import { phonePhoto, secretsIn } from './lib/phonephoto.mjs';

const T = { timeout: 60_000 };
const client = makeClient();
const httpFetch = timedFetch(30_000);
const PLACEHOLDER_MS = 10_000;

const VARIANT = 'name url width height contentType';
const IMAGE = `path url name size contentType sha256 width height
  variants { ${VARIANT} } thumb: variant(name: "thumb") { ${VARIANT} } nope: variant(name: "nope") { url }
  srcset placeholder`;
const CREATE_PRODUCT = gql`mutation CreateProduct($input: CreateProductInput!) { createProduct(input: $input) { id } }`;
const ADD_IMAGE = gql`mutation AddProductImage($productID: ID!, $image: Upload!, $alt: String) {
  addProductImage(productID: $productID, image: $image, alt: $alt) { id image { ${IMAGE} } } }`;
const PRODUCT = gql`query ProductImages($id: ID!) { product(id: $id) { id images { id image { ${IMAGE} } } } }`;
const DELETE_IMAGE = gql`mutation DeleteProductImage($id: ID!) { deleteProductImage(id: $id) }`;

// What the tests made, for the later ones.
const S = { product: null, phone: null, photo: null, png: null, pngBytes: null, firstBytes: new Map() };

/** The data without the __typename fields Apollo's cache adds, to compare with plain objects. */
const plain = (v) => JSON.parse(JSON.stringify(v, (k, x) => (k === '__typename' ? undefined : x)));

async function mustMutate(opts) {
  let r;
  try {
    r = await client.mutate({ errorPolicy: 'all', ...opts });
  } catch (error) {
    assert.fail(`mutation failed: ${show(error)}`);
  }
  assert.equal(r.error, undefined, `unexpected error from the server: ${show(r.error)}`);
  assert.ok(r.data, `no data: ${show(r)}`);
  return plain(r.data);
}
async function mustQuery(opts) {
  let r;
  try {
    r = await client.query({ errorPolicy: 'all', ...opts });
  } catch (error) {
    assert.fail(`query failed: ${show(error)}`);
  }
  assert.equal(r.error, undefined, `unexpected error from the server: ${show(r.error)}`);
  return plain(r.data);
}

/** GET (or another method) of a media URL as the API gave it (relative to the server, or absolute). */
async function get(url, init) {
  const res = await httpFetch(new URL(url, baseURL()).href, init);
  const body = Buffer.from(await res.arrayBuffer());
  return { res, body, ms: 0 };
}
const dims = ({ width, height }) => [width, height];
const ctype = (res) => (res.headers.get('content-type') || '').split(';')[0].trim();

/** The distinct variant URLs of an image, with the names of the presets that share each. */
function distinctVariants(image) {
  const by = new Map();
  for (const v of image.variants) {
    const e = by.get(v.url);
    if (e) {
      assert.deepEqual([e.width, e.height, e.contentType], [v.width, v.height, v.contentType], `variants sharing ${v.url} must agree: ${show(image.variants)}`);
      e.names.push(v.name);
    } else by.set(v.url, { ...v, names: [v.name] });
  }
  return [...by.values()];
}

/** The key of an image's variant: the original's key without its extension, the spec, the variant type's extension. */
function variantURL(image, spec, ext) {
  return `/media/${image.path.replace(/\.[a-z]+$/, '')}.${spec}.${ext}`;
}

/** The variants, thumb alias, unknown preset and srcset an image of displayed size w×h must have. */
function checkVariants(image, { w, h, type, ext, what }) {
  const ctx = `${what}: ${show(image)}`;
  const fit = (pw) => (pw >= w ? [w, h] : [pw, Math.round((h * pw) / w)]);
  const cover = (cw, ch) => { // the largest size of the preset's aspect that the image fills
    const s = Math.max(cw / w, ch / h);
    return s <= 1 ? [cw, ch] : [Math.max(1, Math.min(w, Math.round(cw / s))), Math.max(1, Math.min(h, Math.round(ch / s)))];
  };
  const want = [
    { name: 'thumb', size: cover(100, 100), spec: '100x100' },
    { name: 'small', size: fit(320), spec: `${fit(320)[0]}w` },
    { name: 'medium', size: fit(640), spec: `${fit(640)[0]}w` },
    { name: 'large', size: fit(1280), spec: `${fit(1280)[0]}w` },
  ].map((v) => ({ name: v.name, url: variantURL(image, v.spec, ext), width: v.size[0], height: v.size[1], contentType: type }));
  assert.deepEqual(image.variants, want, `${ctx}: variants (presets smallest first, never larger than the image)`);
  assert.deepEqual(image.thumb, want[0], `${ctx}: variant(name: "thumb")`);
  assert.equal(image.nope, null, `${ctx}: variant(name: "nope") is null`);
  for (const v of image.variants) assert.match(v.url, /^\/media\/products\/images\/[A-Za-z0-9]{26}\.(\d+x\d+|\d+w)\.(jpg|png)$/, `${ctx}: variant URL shape`);
  // srcset: the width presets' distinct widths, and the original only if it is wider than all of them.
  const widths = [...new Set(want.slice(1).map((v) => v.width))];
  const srcset = widths.map((wd) => `${want.slice(1).find((v) => v.width === wd).url} ${wd}w`);
  if (!widths.includes(w)) srcset.push(`${image.url} ${w}w`);
  assert.equal(image.srcset, srcset.join(', '), `${ctx}: srcset`);
  return want;
}

/** GET every distinct variant URL at once; each answers 200 with the listed type and size. */
async function fetchVariants(image, what) {
  const list = distinctVariants(image);
  const t0 = Date.now();
  const got = await Promise.all(list.map(async (v) => ({ v, ...(await get(v.url)), ms: Date.now() - t0 })));
  for (const { v, res, body } of got) {
    const ctx = `${what}: GET ${v.url} (${v.names.join(', ')})`;
    assert.equal(res.status, 200, `${ctx}: status (body: ${body.subarray(0, 200).toString()})`);
    assert.equal(ctype(res), v.contentType, `${ctx}: Content-Type`);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff', `${ctx}: X-Content-Type-Options`);
    assert.equal(Number(res.headers.get('content-length') ?? body.length), body.length, `${ctx}: Content-Length`);
  }
  return got;
}

before(async () => {
  // The fixture: a sideways phone photo, stored 800×600, displayed 600×800 (go run, bounded).
  S.photo = await phonePhoto({ width: 800, height: 600, timeoutMs: 120_000 });
  // A 400×400 RGBA PNG: quadrant colours inside a disc, fully transparent corners.
  S.pngBytes = pngRGBA(400, 400, (x, y) => {
    if ((x - 199.5) ** 2 + (y - 199.5) ** 2 > 190 ** 2) return [0, 0, 0, 0];
    if (y < 200) return x < 200 ? [255, 0, 0, 255] : [0, 255, 0, 255];
    return x < 200 ? [0, 0, 255, 255] : [128, 128, 128, 255];
  });
}, { timeout: 150_000 });

test('1. the fixture: a sideways phone photo carrying every secret', T, () => {
  const { bytes, secrets } = S.photo;
  assert.deepEqual(dims(jpegSize(bytes)), [800, 600], 'stored 800×600');
  assert.equal(exifOrientation(bytes), 6, 'EXIF Orientation 6');
  assert.deepEqual(secretsIn(bytes, secrets), Object.keys(secrets), 'each secret is in the upload (else the checks below prove nothing)');
  assert.ok(iccProfile(bytes), 'it carries an ICC profile');
  assert.ok(trailingBytes(bytes).length > 0, 'it has an appended preview');
  assert.ok(bytes.indexOf('Exif\0\0') >= 0, 'it carries EXIF');
});

test('2. addProductImage(phone photo): displayed size, variants, srcset; every variant URL answers at once', T, async (t) => {
  const p = (await mustMutate({ mutation: CREATE_PRODUCT, variables: { input: { name: 'E2E renditions', price: '12.00' } } })).createProduct;
  assert.ok(p?.id, `createProduct: ${show(p)}`);
  S.product = p.id;
  const { bytes } = S.photo;
  const data = await mustMutate({
    mutation: ADD_IMAGE,
    variables: { productID: p.id, image: fileOf(bytes, 'IMG_20240517_140322.jpg', 'image/jpeg'), alt: 'sideways' },
  });
  const answered = Date.now();
  const pi = data.addProductImage;
  const m = pi?.image;
  assert.ok(m, `addProductImage: ${show(data)}`);
  // Right after the mutation, before looking at anything else: the variants may not be made yet,
  // and a GET of one not yet made makes it on that request.
  const gets = fetchVariants(m, 'right after the mutation');
  gets.catch(() => {}); // awaited below; no unhandled rejection if an assertion fails first
  S.phone = { id: pi.id, image: m };

  const ctx = show(m);
  assert.equal(m.contentType, 'image/jpeg', `contentType: ${ctx}`);
  assert.equal(m.width, 600, `width is the displayed width (Orientation 6 applied): ${ctx}`);
  assert.equal(m.height, 800, `height is the displayed height: ${ctx}`);
  assert.match(m.path, /^products\/images\/[A-Za-z0-9]{26}\.jpg$/, `path: ${ctx}`);
  assert.equal(m.url, `/media/${m.path}`, `url: ${ctx}`);
  assert.equal(m.name, 'IMG_20240517_140322.jpg', `name: ${ctx}`);
  const want = checkVariants(m, { w: 600, h: 800, type: 'image/jpeg', ext: 'jpg', what: 'phone photo' });
  assert.deepEqual(want.map((v) => [v.name, v.width, v.height]), [['thumb', 100, 100], ['small', 320, 427], ['medium', 600, 800], ['large', 600, 800]]);
  assert.equal(m.variants[2].url, m.variants[3].url, 'medium and large share the 600w file');
  assert.ok(m.variants[2].url.endsWith('.600w.jpg'), `medium: ${show(m.variants[2])}`);
  const entries = m.srcset.split(', ');
  assert.equal(entries.length, 2, `srcset has exactly two entries: ${m.srcset}`);
  assert.deepEqual(entries.map((e) => e.split(' ')[1]), ['320w', '600w'], `srcset widths: ${m.srcset}`);

  const got = await gets;
  for (const { v, body, ms } of got) {
    const ctx2 = `GET ${v.url} (${v.names.join(', ')}), ${ms} ms after the answer`;
    assert.deepEqual(dims(jpegSize(body)), [v.width, v.height], `${ctx2}: SOF size`);
    assert.equal(body.indexOf('Exif\0\0'), -1, `${ctx2}: carries EXIF (${describeSegments(body)})`);
    const meta = jpegSegments(body).filter((s) => s.marker === 0xe1 || s.marker === 0xed || s.marker === 0xfe);
    assert.deepEqual(meta.map((s) => s.marker.toString(16)), [], `${ctx2}: no APP1 (EXIF, XMP), APP13 (IPTC) or COM: ${describeSegments(body)}`);
    assert.equal(trailingBytes(body).length, 0, `${ctx2}: bytes after the end of the image`);
    assert.deepEqual(secretsIn(body, S.photo.secrets), [], `${ctx2}: secrets found`);
    S.firstBytes.set(v.url, sha256(body));
  }
  t.diagnostic(`variants answered ${got.map((g) => `${g.v.url.split('.').slice(-2).join('.')} in ${g.ms} ms`).join(', ')} (${Date.now() - answered} ms after the mutation's answer)`);
});

test('3. the stored original: no secrets, Orientation 6, ICC profile and pixels kept, size and sha256 as answered', T, async (t) => {
  if (!S.phone) return t.skip('needs test 2');
  const m = S.phone.image;
  const up = S.photo.bytes;
  const { res, body } = await get(m.url);
  assert.equal(res.status, 200, `GET ${m.url}: status`);
  assert.equal(ctype(res), 'image/jpeg', `GET ${m.url}: Content-Type`);
  assert.equal(body.length, m.size, `GET ${m.url}: ${body.length} bytes, the mutation said size ${m.size}`);
  assert.equal(sha256(body), m.sha256, `GET ${m.url}: sha256 differs from the mutation's`);
  assert.deepEqual(secretsIn(body, S.photo.secrets), [], `GET ${m.url}: secrets kept (${describeSegments(body)}, ${trailingBytes(body).length} trailing bytes)`);
  assert.equal(trailingBytes(body).length, 0, `GET ${m.url}: the appended preview is kept`);
  assert.equal(exifOrientation(body), 6, `GET ${m.url}: Orientation (${describeSegments(body)})`);
  assert.deepEqual(iccProfile(body), iccProfile(up), `GET ${m.url}: the ICC profile differs from the upload's`);
  assert.deepEqual(jpegSize(body), jpegSize(up), `GET ${m.url}: stored size (pixels untouched)`);
  // Pixels untouched: the scan (SOS header, entropy-coded data) is byte for byte the upload's.
  const scan = (b) => { const sos = jpegSegments(b).find((s) => s.marker === 0xda); return b.subarray(sos.offset, b.length - trailingBytes(b).length); };
  assert.ok(scan(body).equals(scan(up)), `GET ${m.url}: the scan data differs from the upload's (re-encoded?)`);
  assert.ok(m.size < up.length, `stripping made it smaller: ${m.size} vs ${up.length} bytes uploaded`);
  t.diagnostic(`uploaded ${up.length} bytes (${describeSegments(up)}); stored ${body.length} bytes (${describeSegments(body)})`);
});

/** Polls product(id) until every image's placeholder is set (at most PLACEHOLDER_MS); returns the images. */
async function waitPlaceholders(productID) {
  const deadline = Date.now() + PLACEHOLDER_MS;
  const t0 = Date.now();
  let images;
  for (;;) {
    images = (await mustQuery({ query: PRODUCT, variables: { id: productID } })).product?.images;
    assert.ok(Array.isArray(images), `product(id: ${productID}): ${show(images)}`);
    if (images.every((pi) => pi.image.placeholder !== null)) return { images, ms: Date.now() - t0 };
    if (Date.now() > deadline) assert.fail(`placeholder still null after ${PLACEHOLDER_MS / 1000} s: ${show(images.map((pi) => [pi.id, pi.image.placeholder]))}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** A placeholder is a small data: URI of a decodable image of about the image's aspect. */
function checkPlaceholder(ph, { w, h }, what) {
  assert.match(ph, /^data:image\/(jpeg|png|gif|webp);base64,[A-Za-z0-9+/]+=*$/, `${what}: placeholder is a data:image/ URI: ${ph.slice(0, 80)}…`);
  assert.ok(ph.length <= 1024, `${what}: placeholder is ${ph.length} chars, at most 1024`);
  const type = ph.slice(5, ph.indexOf(';'));
  const bytes = Buffer.from(ph.slice(ph.indexOf(',') + 1), 'base64');
  let size;
  if (type === 'image/jpeg') size = jpegSize(bytes);
  else if (type === 'image/png') size = decodePNG(bytes);
  else return; // GIF/WebP: not decoded here
  assert.ok(Math.abs(size.width / size.height - w / h) < 0.2, `${what}: placeholder is ${size.width}×${size.height}, not of the displayed aspect ${w}×${h}`);
}

test('4. the placeholder appears within 10 s; read back, the image is as answered and its variants did not change', T, async (t) => {
  if (!S.phone) return t.skip('needs test 2');
  const { images, ms } = await waitPlaceholders(S.product);
  t.diagnostic(`placeholder set within ${ms} ms`);
  const pi = images.find((x) => x.id === S.phone.id);
  assert.ok(pi, `the image is listed: ${show(images)}`);
  checkPlaceholder(pi.image.placeholder, { w: 600, h: 800 }, 'phone photo');
  const { placeholder, ...rest } = pi.image;
  const { placeholder: _answeredPlaceholder, ...answered } = S.phone.image;
  assert.deepEqual(rest, answered, 'product(id) reads back what addProductImage answered');
  // A variant made on its first GET and the one the background job made are one file: puts never replace.
  for (const v of distinctVariants(pi.image)) {
    const { res, body } = await get(v.url);
    assert.equal(res.status, 200, `GET ${v.url} again`);
    assert.equal(sha256(body), S.firstBytes.get(v.url), `GET ${v.url}: bytes changed since the first GET`);
  }
});

test('5. only presets are made: other sizes, types and names of the same image answer 404', T, async (t) => {
  if (!S.phone) return t.skip('needs test 2');
  const m = S.phone.image;
  const name = m.path.match(/([A-Za-z0-9]{26})\.jpg$/)[1];
  const other = name.slice(0, -1) + (name.at(-1) === '0' ? '1' : '0'); // a name no row holds
  const urls = [
    variantURL(m, '321w', 'jpg'), // not a preset's width
    variantURL(m, '640w', 'jpg'), // medium's nominal width: this image's medium is 600w
    variantURL(m, '1280w', 'jpg'),
    variantURL(m, '200x200', 'jpg'), // not a preset
    variantURL(m, '100x100', 'png'), // a preset, in the other type
    variantURL(m, '320w', 'png'),
    m.variants[1].url.replace(name, other), // a preset of an image that does not exist
  ];
  for (const u of urls) {
    const { res, body } = await get(u);
    assert.equal(res.status, 404, `GET ${u}: status (${res.status}, ${ctype(res)}, ${body.length} bytes)`);
  }
});

test('6. a PNG with transparent corners gets PNG variants that keep them', T, async (t) => {
  if (!S.product) return t.skip('needs test 2');
  const bytes = S.pngBytes;
  const data = await mustMutate({
    mutation: ADD_IMAGE,
    variables: { productID: S.product, image: fileOf(bytes, 'cut-out.png', 'image/png') },
  });
  const pi = data.addProductImage;
  const m = pi?.image;
  assert.ok(m, `addProductImage: ${show(data)}`);
  const gets = fetchVariants(m, 'PNG, right after the mutation');
  gets.catch(() => {});
  S.png = { id: pi.id, image: m };
  assert.equal(m.contentType, 'image/png', `contentType: ${show(m)}`);
  assert.deepEqual([m.width, m.height], [400, 400], `size: ${show(m)}`);
  checkVariants(m, { w: 400, h: 400, type: 'image/png', ext: 'png', what: 'PNG with alpha' });
  assert.deepEqual(m.variants.map((v) => [v.name, v.width, v.height]), [['thumb', 100, 100], ['small', 320, 320], ['medium', 400, 400], ['large', 400, 400]]);
  assert.deepEqual(m.srcset.split(', ').map((e) => e.split(' ')[1]), ['320w', '400w'], `srcset: ${m.srcset}`);

  const near = (got, want, tol, ctx) => assert.ok(got.every((c, i) => Math.abs(c - want[i]) <= tol), `${ctx}: ${JSON.stringify(got)}, want ${JSON.stringify(want)} ±${tol}`);
  for (const { v, body } of await gets) {
    const ctx = `GET ${v.url} (${v.names.join(', ')})`;
    const img = decodePNG(body);
    assert.deepEqual([img.width, img.height], [v.width, v.height], `${ctx}: IHDR size`);
    assert.ok(img.colorType === 4 || img.colorType === 6 || img.colorType === 3, `${ctx}: colour type ${img.colorType} has no alpha`);
    const W = img.width, H = img.height;
    for (const [x, y] of [[0, 0], [W - 1, 0], [0, H - 1], [W - 1, H - 1]]) assert.ok(img.at(x, y)[3] <= 8, `${ctx}: corner (${x},${y}) is not transparent: ${img.at(x, y)}`);
    const q = (fx, fy) => img.at(Math.floor(W * fx), Math.floor(H * fy));
    near(q(0.3, 0.3), [255, 0, 0, 255], 24, `${ctx}: top-left`);
    near(q(0.7, 0.3), [0, 255, 0, 255], 24, `${ctx}: top-right`);
    near(q(0.3, 0.7), [0, 0, 255, 255], 24, `${ctx}: bottom-left`);
    near(q(0.7, 0.7), [128, 128, 128, 255], 24, `${ctx}: bottom-right`);
    const chunks = [];
    for (let i = 8; i < body.length;) { const len = body.readUInt32BE(i); chunks.push(body.subarray(i + 4, i + 8).toString('latin1')); i += 12 + len; }
    assert.deepEqual(chunks.filter((c) => /^(tEXt|zTXt|iTXt|eXIf|tIME)$/.test(c)), [], `${ctx}: metadata chunks: ${chunks.join(', ')}`);
  }
  const orig = await get(m.url);
  assert.equal(orig.res.status, 200, `GET ${m.url}`);
  assert.equal(ctype(orig.res), 'image/png', `GET ${m.url}: Content-Type`);
  assert.equal(sha256(orig.body), m.sha256, `GET ${m.url}: sha256 as answered`);
  const { images } = await waitPlaceholders(S.product);
  const back = images.find((x) => x.id === pi.id);
  checkPlaceholder(back.image.placeholder, { w: 400, h: 400 }, 'PNG with alpha');
});

/** Every URL of an image (original and variants) answers 404; returns what did not. */
async function notFound(image) {
  const urls = [image.url, ...distinctVariants(image).map((v) => v.url)];
  const answers = await Promise.all(urls.map(async (u) => { const { res } = await get(u); return `${res.status} ${u}`; }));
  return answers.filter((a) => !a.startsWith('404 '));
}

test('7. deleteProductImage: the original and every variant answer 404', T, async (t) => {
  if (!S.phone) return t.skip('needs test 2');
  for (const img of [S.phone, S.png].filter(Boolean)) {
    const r = await mustMutate({ mutation: DELETE_IMAGE, variables: { id: img.id } });
    assert.equal(r.deleteProductImage, img.id, `deleteProductImage: ${show(r)}`);
    assert.deepEqual(await notFound(img.image), [], `after deleteProductImage(${img.id}) (${img.image.contentType}), these still answer`);
  }
  const images = (await mustQuery({ query: PRODUCT, variables: { id: S.product } })).product.images;
  assert.deepEqual(images, [], 'no image left on the product');
});

test('8. a delete right after the upload, before the background job is done: everything answers 404, also once the job has run', T, async (t) => {
  if (!S.product) return t.skip('needs test 2');
  const data = await mustMutate({
    mutation: ADD_IMAGE,
    variables: { productID: S.product, image: fileOf(S.photo.bytes, 'quick-delete.jpg', 'image/jpeg') },
  });
  const pi = data.addProductImage;
  assert.ok(pi?.id, `addProductImage: ${show(data)}`);
  const r = await mustMutate({ mutation: DELETE_IMAGE, variables: { id: pi.id } });
  assert.equal(r.deleteProductImage, pi.id);
  assert.deepEqual(await notFound(pi.image), [], 'right after the delete, these still answer');
  // A background job still in flight must not bring the variants back. The jobs run in the order
  // the images were added (one worker by default): once an image added after the delete has its
  // placeholder, the deleted image's job is over.
  const barrier = (await mustMutate({
    mutation: ADD_IMAGE,
    variables: { productID: S.product, image: fileOf(pngRGBA(320, 320, (x, y) => [x & 0xff, y & 0xff, 90, 255]), 'barrier.png', 'image/png') },
  })).addProductImage;
  try {
    const { ms } = await waitPlaceholders(S.product);
    t.diagnostic(`an image added after the delete got its placeholder within ${ms} ms`);
    await new Promise((res) => setTimeout(res, 500));
    assert.deepEqual(await notFound(pi.image), [], 'once the background job has run, these answer again (variants of a deleted image)');
  } finally {
    await mustMutate({ mutation: DELETE_IMAGE, variables: { id: barrier.id } });
  }
});

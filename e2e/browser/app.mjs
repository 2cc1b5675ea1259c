// The browser page's script, bundled by esbuild at test time (browser.mjs): Apollo Client 4 +
// apollo-upload-client's UploadHttpLink against /query (same origin: the page server proxies it).
// Picking a file creates a product with that image in one multipart request, then shows it.
import { ApolloClient, InMemoryCache, gql } from '@apollo/client';
import { CombinedGraphQLErrors } from '@apollo/client/errors';
import UploadHttpLink from 'apollo-upload-client/UploadHttpLink.mjs';

const client = new ApolloClient({
  link: new UploadHttpLink({ uri: '/query', headers: { 'Apollo-Require-Preflight': 'true' } }),
  cache: new InMemoryCache(),
});

const CREATE = gql`mutation CreateProduct($input: CreateProductInput!, $images: [Upload!]) {
  createProduct(input: $input, images: $images) {
    id name images { id position image { path url name size contentType sha256 width height } }
  }
}`;

const $ = (s) => document.querySelector(s);
let n = 0;

$('#file').addEventListener('change', async (ev) => {
  const status = $('#status');
  const files = ev.target.files;
  n++;
  status.textContent = `uploading ${files.length} file(s)…`;
  let out;
  try {
    // A FileList straight from the input, as SPAs pass it.
    const r = await client.mutate({
      mutation: CREATE,
      variables: { input: { name: `Browser product ${n}`, price: '9.99' }, images: files },
    });
    const p = r.data.createProduct;
    out = { ok: true, product: p };
    for (const pi of p.images) {
      const img = document.createElement('img');
      img.className = 'uploaded';
      img.alt = pi.image.name;
      img.src = pi.image.url; // "/media/…", same origin
      $('#gallery').append(img);
    }
  } catch (e) {
    out = {
      ok: false,
      name: e?.name,
      message: String(e?.message || e),
      codes: CombinedGraphQLErrors.is(e) ? e.errors.map((x) => x.extensions?.code) : [],
      fields: CombinedGraphQLErrors.is(e) ? e.errors.map((x) => x.extensions?.field) : [],
    };
  }
  $('#result').textContent = JSON.stringify(out, null, 1);
  status.textContent = out.ok ? 'done' : 'error';
  status.dataset.state = out.ok ? 'done' : 'error';
  status.dataset.n = String(n);
});

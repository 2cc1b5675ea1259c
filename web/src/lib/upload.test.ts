import { buildSchema, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { buildMultipartRequest, findUploadSlots, selectOperation, toFormData, uploadSlotsOf } from './upload';

const schema = buildSchema(`
  scalar Upload
  input CreateDocumentInput { title: String! file: Upload! image: Upload }
  input Outer { doc: CreateDocumentInput tags: [String!] }
  type Query { ok: Boolean }
  type Mutation {
    addProductImage(productID: ID!, image: Upload!, alt: String): Boolean
    addProductImages(productID: ID!, images: [Upload!]!): Boolean
    createDocument(input: CreateDocumentInput!): Boolean
    nested(input: Outer): Boolean
  }
`);

const file = (name: string, body = 'x') => new File([body], name, { type: 'image/png' });

describe('findUploadSlots', () => {
  const cases: { name: string; query: string; withSchema?: boolean; want: { path: string; type: string; multiple: boolean; required: boolean }[] }[] = [
    {
      name: 'a single Upload! variable',
      query: 'mutation ($id: ID!, $image: Upload!) { addProductImage(productID: $id, image: $image) }',
      want: [{ path: 'image', type: 'Upload!', multiple: false, required: true }],
    },
    {
      name: 'a nullable Upload',
      query: 'mutation ($f: Upload) { addProductImage(productID: "1", image: $f) }',
      want: [{ path: 'f', type: 'Upload', multiple: false, required: false }],
    },
    {
      name: 'a list of files',
      query: 'mutation ($id: ID!, $images: [Upload!]!) { addProductImages(productID: $id, images: $images) }',
      want: [{ path: 'images', type: '[Upload!]!', multiple: true, required: true }],
    },
    {
      name: 'no Upload variable',
      query: 'query ($id: ID!) { ok }',
      want: [],
    },
    {
      name: 'input object fields, with the schema',
      query: 'mutation ($input: CreateDocumentInput!) { createDocument(input: $input) }',
      withSchema: true,
      want: [
        { path: 'input.file', type: 'Upload!', multiple: false, required: true },
        { path: 'input.image', type: 'Upload', multiple: false, required: false },
      ],
    },
    {
      name: 'nested input objects, with the schema',
      query: 'mutation ($input: Outer) { nested(input: $input) }',
      withSchema: true,
      want: [
        { path: 'input.doc.file', type: 'Upload!', multiple: false, required: true },
        { path: 'input.doc.image', type: 'Upload', multiple: false, required: false },
      ],
    },
    {
      name: 'input object fields, without the schema: unknown',
      query: 'mutation ($input: CreateDocumentInput!) { createDocument(input: $input) }',
      want: [],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const op = selectOperation(parse(c.query));
      expect(op).toBeDefined();
      expect(findUploadSlots(op!, c.withSchema ? schema : null)).toEqual(c.want);
    });
  }
});

describe('uploadSlotsOf', () => {
  const doc = `
    query Products { ok }
    mutation AddImage($id: ID!, $image: Upload!) { addProductImage(productID: $id, image: $image) }
  `;
  it('picks the named operation', () => {
    expect(uploadSlotsOf(doc, 'AddImage').map((s) => s.path)).toEqual(['image']);
    expect(uploadSlotsOf(doc, 'Products')).toEqual([]);
  });
  it('needs a name when there are several operations', () => {
    expect(uploadSlotsOf(doc)).toEqual([]);
  });
  it('gives nothing for a document that does not parse', () => {
    expect(uploadSlotsOf('mutation ($image: Upload!) {', null)).toEqual([]);
  });
});

describe('buildMultipartRequest', () => {
  const query = 'mutation ($id: ID!, $image: Upload!, $images: [Upload!]) { a: addProductImage(productID: $id, image: $image) }';
  const slots = uploadSlotsOf(query);

  it('puts null where each file goes and maps the parts in order', () => {
    const one = file('one.png');
    const two = file('two.png');
    const three = file('three.png');
    const req = buildMultipartRequest(
      { query, operationName: null, variables: { id: '42', image: 'ignored' } },
      slots,
      new Map([
        ['image', [one]],
        ['images', [two, three]],
      ]),
    );
    expect(req).toBeDefined();
    expect(req!.operations).toEqual({ query, variables: { id: '42', image: null, images: [null, null] } });
    expect(req!.map).toEqual({ 0: ['variables.image'], 1: ['variables.images.0'], 2: ['variables.images.1'] });
    expect(req!.files.map((f) => [f.name, f.file.name])).toEqual([
      ['0', 'one.png'],
      ['1', 'two.png'],
      ['2', 'three.png'],
    ]);
  });

  it('does not change the variables it was given', () => {
    const variables = { id: '1', image: 'keep' };
    buildMultipartRequest({ query, variables }, slots, new Map([['image', [file('a.png')]]]));
    expect(variables).toEqual({ id: '1', image: 'keep' });
  });

  it('creates input objects on the way to a nested slot', () => {
    const q = 'mutation ($input: CreateDocumentInput!) { createDocument(input: $input) }';
    const req = buildMultipartRequest(
      { query: q, operationName: 'Doc', variables: { input: { title: 'Manual' } } },
      uploadSlotsOf(q, null, schema),
      new Map([['input.file', [file('manual.pdf')]]]),
    );
    expect(req!.operations).toEqual({ query: q, operationName: 'Doc', variables: { input: { title: 'Manual', file: null } } });
    expect(req!.map).toEqual({ 0: ['variables.input.file'] });
  });

  it('gives undefined when no picked file belongs to the operation', () => {
    expect(buildMultipartRequest({ query, variables: {} }, slots, new Map())).toBeUndefined();
    expect(buildMultipartRequest({ query, variables: {} }, slots, new Map([['other', [file('x.png')]]]))).toBeUndefined();
  });
});

describe('toFormData', () => {
  it('orders the fields as the spec asks: operations, map, then the files', async () => {
    const q = 'mutation ($image: Upload!) { addProductImage(productID: "1", image: $image) }';
    const req = buildMultipartRequest({ query: q, variables: {} }, uploadSlotsOf(q), new Map([['image', [file('photo.png', 'PNGDATA')]]]));
    const body = toFormData(req!);
    expect([...body.keys()]).toEqual(['operations', 'map', '0']);
    expect(JSON.parse(body.get('operations') as string)).toEqual({ query: q, variables: { image: null } });
    expect(JSON.parse(body.get('map') as string)).toEqual({ 0: ['variables.image'] });
    const part = body.get('0') as File;
    expect(part.name).toBe('photo.png');
    expect(await part.text()).toBe('PNGDATA');
  });
});

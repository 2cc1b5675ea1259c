import { describe, expect, it } from 'vitest';
import { defaultList, listSearch, listVariables, parseListParams, parseRoute, productPath, sortBy } from './routes';

describe('parseRoute', () => {
  it.each([
    ['/admin/', { name: 'products' }],
    ['/admin', { name: 'products' }],
    ['/admin/products', { name: 'products' }],
    ['/admin/products/', { name: 'products' }],
    ['/admin/products/new', { name: 'newProduct' }],
    ['/admin/products/4294967297', { name: 'product', id: '4294967297' }],
    ['/admin/products/1/x', { name: 'notFound' }],
    ['/admin/documents', { name: 'documents' }],
    ['/admin/documents/', { name: 'documents' }],
    ['/admin/nope', { name: 'notFound' }],
    ['/elsewhere', { name: 'notFound' }],
  ])('%s', (path, want) => {
    expect(parseRoute(path)).toEqual(want);
  });
  it('round-trips a product path', () => {
    expect(parseRoute(productPath('12'))).toEqual({ name: 'product', id: '12' });
  });
});

describe('list params', () => {
  it('reads defaults from nothing and from nonsense', () => {
    expect(parseListParams('')).toEqual(defaultList);
    expect(parseListParams('?sort=EVIL&dir=up&size=7&page=-3')).toEqual(defaultList);
    expect(parseListParams('?page=4')).toEqual(defaultList); // a page number needs a cursor
  });
  it('round-trips a state', () => {
    const p = { q: 'lamp', sort: 'PRICE', dir: 'ASC', size: 50, page: 3, after: 'abc' } as const;
    expect(listSearch(p)).toBe('?q=lamp&sort=PRICE&dir=ASC&size=50&after=abc&page=3');
    expect(parseListParams(listSearch(p))).toEqual(p);
    expect(listSearch(defaultList)).toBe('');
  });
  it('gives the query variables: first/after forwards, last/before backwards', () => {
    expect(listVariables({ ...defaultList, q: '  lamp ' })).toEqual({
      first: 20,
      orderBy: { field: 'CREATED_AT', direction: 'DESC' },
      where: { nameContainsFold: 'lamp' },
    });
    expect(listVariables({ ...defaultList, size: 100, before: 'c', page: 2 })).toEqual({
      last: 100,
      before: 'c',
      orderBy: { field: 'CREATED_AT', direction: 'DESC' },
      where: null,
    });
  });
  it('sorts by a column, then the other way, from the first page', () => {
    const byName = sortBy({ ...defaultList, page: 3, after: 'x' }, 'NAME');
    expect(byName).toMatchObject({ sort: 'NAME', dir: 'ASC', page: 1, after: undefined });
    expect(sortBy(byName, 'NAME').dir).toBe('DESC');
    expect(sortBy(byName, 'CREATED_AT').dir).toBe('DESC');
  });
});

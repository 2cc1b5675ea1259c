// The admin's client-side routes under /admin/ (the Go server answers admin.html for every
// /admin/… path without a dot, so a reload of a deep link works), and the product list's state
// in the query string (search, sort, page size, cursor), so a reload keeps the page.

/** BASE is where the admin lives. */
export const BASE = '/admin/';

/** Route is a page of the admin. */
export type Route =
  | { name: 'products' }
  | { name: 'newProduct' }
  | { name: 'product'; id: string }
  | { name: 'documents' }
  | { name: 'notFound' };

/** parseRoute names the page of a path. */
export function parseRoute(pathname: string): Route {
  if (!pathname.startsWith(BASE) && pathname !== '/admin') return { name: 'notFound' };
  const rest = pathname.slice(BASE.length).replace(/\/+$/, '');
  if (rest === '' || rest === 'products') return { name: 'products' };
  if (rest === 'products/new') return { name: 'newProduct' };
  if (rest === 'documents') return { name: 'documents' };
  const m = /^products\/([^/]+)$/.exec(rest);
  if (m) return { name: 'product', id: decodeURIComponent(m[1]) };
  return { name: 'notFound' };
}

/** productPath is the edit page of a product. */
export const productPath = (id: string) => `${BASE}products/${encodeURIComponent(id)}`;

export type SortField = 'NAME' | 'PRICE' | 'CREATED_AT';
export type SortDirection = 'ASC' | 'DESC';
export const PAGE_SIZES = [20, 50, 100] as const;

/** ListParams is the product list's state. */
export interface ListParams {
  q: string;
  sort: SortField;
  dir: SortDirection;
  size: (typeof PAGE_SIZES)[number];
  /** Page number (1-based), for the "21–40 of 57" line. */
  page: number;
  after?: string;
  before?: string;
}

export const defaultList: ListParams = { q: '', sort: 'CREATED_AT', dir: 'DESC', size: 20, page: 1 };

/** parseListParams reads the list's state from a query string; anything unknown is the default. */
export function parseListParams(search: string): ListParams {
  const s = new URLSearchParams(search);
  const sort = s.get('sort');
  const dir = s.get('dir');
  const size = Number(s.get('size'));
  const page = Number(s.get('page'));
  const out: ListParams = {
    q: s.get('q') ?? '',
    sort: sort === 'NAME' || sort === 'PRICE' || sort === 'CREATED_AT' ? sort : defaultList.sort,
    dir: dir === 'ASC' || dir === 'DESC' ? dir : defaultList.dir,
    size: (PAGE_SIZES as readonly number[]).includes(size) ? (size as ListParams['size']) : defaultList.size,
    page: Number.isInteger(page) && page > 1 ? page : 1,
  };
  const after = s.get('after');
  const before = s.get('before');
  if (after) out.after = after;
  else if (before) out.before = before;
  if (!out.after && !out.before) out.page = 1;
  return out;
}

/** listSearch writes the list's state as a query string, leaving defaults out. */
export function listSearch(p: ListParams): string {
  const s = new URLSearchParams();
  if (p.q) s.set('q', p.q);
  if (p.sort !== defaultList.sort) s.set('sort', p.sort);
  if (p.dir !== defaultList.dir) s.set('dir', p.dir);
  if (p.size !== defaultList.size) s.set('size', String(p.size));
  if (p.after) s.set('after', p.after);
  if (p.before) s.set('before', p.before);
  if ((p.after || p.before) && p.page > 1) s.set('page', String(p.page));
  const out = s.toString();
  return out ? `?${out}` : '';
}

/** listVariables are the products query's variables for a state. */
export function listVariables(p: ListParams) {
  const q = p.q.trim();
  return {
    ...(p.before ? { last: p.size, before: p.before } : { first: p.size, ...(p.after ? { after: p.after } : {}) }),
    orderBy: { field: p.sort, direction: p.dir },
    where: q ? { nameContainsFold: q } : null,
  };
}

/** sortBy gives the state after a click on a column's sort: the other direction if it is already sorted by it. */
export function sortBy(p: ListParams, field: SortField): ListParams {
  const dir: SortDirection = p.sort === field ? (p.dir === 'ASC' ? 'DESC' : 'ASC') : field === 'CREATED_AT' ? 'DESC' : 'ASC';
  return { ...p, sort: field, dir, page: 1, after: undefined, before: undefined };
}

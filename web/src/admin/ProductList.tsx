import { useQuery } from '@apollo/client/react';
import { useEffect, useId, useRef, useState } from 'react';
import { PRODUCTS } from './api';
import { problemsOf } from './errors';
import { formatDate, formatPrice } from './format';
import { Link } from './Link';
import { navigate } from './navigation';
import { BASE, PAGE_SIZES, listSearch, listVariables, parseListParams, productPath, sortBy, type ListParams, type SortField } from './routes';
import { Thumb } from './Thumb';

let firstRenderMarked = false;

/** ProductList is the products table: search, sort, pages, thumbnails, and "Add product". */
export function ProductList({ search }: { search: string }) {
  const params = parseListParams(search);
  const [q, setQ] = useState(params.q);
  const timer = useRef(0);
  // Every change of the list takes the search box as it is (a pending search goes with it).
  const go = (p: ListParams, replace = false, query = q) => {
    window.clearTimeout(timer.current);
    navigate(`${BASE}${listSearch({ ...p, q: query })}`, { replace });
  };
  const id = useId();
  const { data, previousData, loading, error } = useQuery(PRODUCTS, { variables: listVariables(params) });
  const shown = data ?? previousData;
  const connection = shown?.products;
  const rows = connection?.edges?.map((e) => e.node) ?? [];

  // Typing searches after a short pause, from the first page; the URL keeps it.
  useEffect(() => () => window.clearTimeout(timer.current), []);
  const onSearch = (value: string) => {
    setQ(value);
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => go({ ...params, page: 1, after: undefined, before: undefined }, true, value), 250);
  };

  useEffect(() => {
    if (data && !firstRenderMarked) {
      firstRenderMarked = true;
      performance.mark('admin:products-rendered', { detail: { rows: data.products.edges?.length ?? 0 } });
    }
  }, [data]);

  const total = connection?.totalCount ?? 0;
  const from = total === 0 ? 0 : (params.page - 1) * params.size + 1;
  const to = Math.min(total, from + rows.length - 1);
  const sortHeader = (field: SortField, label: string, className?: string) => {
    const active = params.sort === field;
    return (
      <th scope="col" className={className} aria-sort={active ? (params.dir === 'ASC' ? 'ascending' : 'descending') : undefined}>
        <button type="button" className="sort" onClick={() => go(sortBy(params, field))}>
          {label}
          <span className="sort-mark" aria-hidden="true">
            {active ? (params.dir === 'ASC' ? '▲' : '▼') : '↕'}
          </span>
        </button>
      </th>
    );
  };

  return (
    <section aria-labelledby={`${id}-h`}>
      <div className="page-head">
        <h1 id={`${id}-h`}>Products</h1>
        <button type="button" className="button primary" onClick={() => navigate(`${BASE}products/new`)}>
          Add product
        </button>
      </div>
      <div className="toolbar">
        <div className="search">
          <label htmlFor={`${id}-q`}>Search</label>
          <input id={`${id}-q`} type="search" value={q} placeholder="Name contains…" onChange={(e) => onSearch(e.target.value)} autoComplete="off" />
        </div>
        <div className="page-size">
          <label htmlFor={`${id}-size`}>Per page</label>
          <select
            id={`${id}-size`}
            value={params.size}
            onChange={(e) => go({ ...params, size: Number(e.target.value) as ListParams['size'], page: 1, after: undefined, before: undefined })}
          >
            {PAGE_SIZES.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </div>
      </div>
      {error && (
        <p className="alert" role="alert">
          The products could not be loaded: {problemsOf(error)[0]?.message}
        </p>
      )}
      <div className="table-wrap" aria-busy={loading}>
        <table className="products">
          <caption className="visually-hidden">Products, sorted by {params.sort === 'NAME' ? 'name' : params.sort === 'PRICE' ? 'price' : 'date added'}</caption>
          <thead>
            <tr>
              <th scope="col" className="col-thumb">
                <span className="visually-hidden">Image</span>
              </th>
              {sortHeader('NAME', 'Name')}
              {sortHeader('PRICE', 'Price', 'num')}
              <th scope="col" className="num">
                Images
              </th>
              {sortHeader('CREATED_AT', 'Added')}
            </tr>
          </thead>
          <tbody>
            {rows.map((p) => (
              <tr key={p.id}>
                <td className="col-thumb">
                  <Thumb thumb={p.images[0]?.image.thumb} placeholder={p.images[0]?.image.placeholder} />
                </td>
                <td>
                  <Link href={productPath(p.id)} className="row-link">
                    {p.name}
                  </Link>
                </td>
                <td className="num">{formatPrice(p.price)}</td>
                <td className="num">{p.images.length}</td>
                <td className="muted">{formatDate(p.createdAt)}</td>
              </tr>
            ))}
            {connection && rows.length === 0 && (
              <tr>
                <td colSpan={5} className="empty">
                  {params.q ? `No product name contains “${params.q}”.` : 'No products yet. Add the first one.'}
                </td>
              </tr>
            )}
            {!connection && !error && (
              <tr>
                <td colSpan={5} className="empty">
                  Loading…
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      <nav className="pager" aria-label="Pages">
        <p className="muted" aria-live="polite">
          {total === 0 ? '0 products' : `${from}–${to} of ${total} product${total === 1 ? '' : 's'}`}
        </p>
        <div className="pager-buttons">
          <button
            type="button"
            className="button"
            disabled={!connection || params.page <= 1}
            onClick={() => connection && go({ ...params, page: params.page - 1, before: connection.pageInfo.startCursor ?? undefined, after: undefined })}
          >
            Previous
          </button>
          <button
            type="button"
            className="button"
            disabled={!connection || to >= total}
            onClick={() => connection && go({ ...params, page: params.page + 1, after: connection.pageInfo.endCursor ?? undefined, before: undefined })}
          >
            Next
          </button>
        </div>
      </nav>
    </section>
  );
}

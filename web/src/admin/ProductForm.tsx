import { useApolloClient, useMutation, useQuery } from '@apollo/client/react';
import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { CREATE_PRODUCT, DELETE_PRODUCT, PRODUCT, UPDATE_PRODUCT, type ProductDetail, type ProductInput } from './api';
import { ConfirmDialog } from './ConfirmDialog';
import { byField, problemsOf, type Problem } from './errors';
import { formatDate } from './format';
import { Link } from './Link';
import { navigate } from './navigation';
import { ProductImages, hasFiles } from './ProductImages';
import { BASE, productPath } from './routes';
import { useImageUploads } from './useImageUploads';

const FIELDS = ['name', 'description', 'price'] as const;

/** ProductForm adds a product (no id) or edits one: its fields, then its images. */
export function ProductForm({ id }: { id?: string }) {
  const { data, loading, error } = useQuery(PRODUCT, { variables: { id: id ?? '' }, skip: !id, fetchPolicy: 'cache-and-network' });
  if (!id) return <ProductFields />;
  if (error) {
    return (
      <p className="alert" role="alert">
        The product could not be loaded: {problemsOf(error)[0]?.message}
      </p>
    );
  }
  if (!data) return <p className="muted" aria-busy={loading}>Loading…</p>;
  if (!data.product) {
    return (
      <section className="panel">
        <h1>No such product</h1>
        <p>
          It may have been deleted. <Link href={BASE}>Back to the products</Link>
        </p>
      </section>
    );
  }
  return <ProductEditor product={data.product} />;
}

/** ProductEditor is an existing product's page; image files dropped anywhere on it are added. */
function ProductEditor({ product }: { product: ProductDetail }) {
  const uploads = useImageUploads(product.id);
  const [dropping, setDropping] = useState(false);
  return (
    <div
      className={`editor${dropping ? ' dropping' : ''}`}
      onDragOver={(e) => {
        if (!hasFiles(e)) return;
        e.preventDefault();
        e.dataTransfer.dropEffect = 'copy';
        setDropping(true);
      }}
      onDragLeave={(e) => {
        if (e.currentTarget === e.target || !e.currentTarget.contains(e.relatedTarget as Node | null)) setDropping(false);
      }}
      onDrop={(e) => {
        if (!hasFiles(e)) return;
        e.preventDefault();
        setDropping(false);
        uploads.add(e.dataTransfer.files);
      }}
    >
      <ProductFields key={product.id} product={product} />
      <ProductImages product={product} uploads={uploads} />
      {dropping && (
        <div className="drop-veil" aria-hidden="true">
          Drop to add the images
        </div>
      )}
    </div>
  );
}

function ProductFields({ product }: { product?: ProductDetail }) {
  const client = useApolloClient();
  const [values, setValues] = useState<ProductInput>({
    name: product?.name ?? '',
    description: product?.description ?? '',
    price: product?.price ?? '',
  });
  const [problems, setProblems] = useState<Problem[]>([]);
  const [status, setStatus] = useState('');
  const [confirming, setConfirming] = useState(false);
  const [create, created] = useMutation(CREATE_PRODUCT);
  const [update, updated] = useMutation(UPDATE_PRODUCT);
  const [remove, removed] = useMutation(DELETE_PRODUCT);
  const uid = useId();
  const { fields, rest } = byField(problems, 'input.', FIELDS);
  const busy = created.loading || updated.loading;

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setProblems([]);
    setStatus('');
    const input = { name: values.name.trim(), description: values.description, price: values.price.trim() };
    try {
      if (product) {
        await update({ variables: { id: product.id, input } });
        setStatus('Saved.');
      } else {
        const r = await create({ variables: { input } });
        const newID = r.data?.createProduct.id;
        client.cache.evict({ id: 'ROOT_QUERY', fieldName: 'products' });
        if (newID) navigate(productPath(newID));
      }
    } catch (err) {
      setProblems(problemsOf(err));
    }
  };

  const doDelete = async () => {
    if (!product) return;
    try {
      await remove({ variables: { id: product.id } });
      client.cache.evict({ id: client.cache.identify({ __typename: 'Product', id: product.id }) });
      client.cache.evict({ id: 'ROOT_QUERY', fieldName: 'products' });
      client.cache.gc();
      navigate(BASE);
    } catch (err) {
      setConfirming(false);
      setProblems(problemsOf(err));
    }
  };

  const field = (name: (typeof FIELDS)[number], label: string, input: (props: Record<string, unknown>) => ReactNode, hint?: string) => {
    const p = fields[name];
    const describedBy = [hint && `${uid}-${name}-hint`, p && `${uid}-${name}-err`].filter(Boolean).join(' ') || undefined;
    return (
      <div className="field">
        <label htmlFor={`${uid}-${name}`}>{label}</label>
        {input({
          id: `${uid}-${name}`,
          name,
          value: values[name],
          onChange: (e: { target: { value: string } }) => setValues((v) => ({ ...v, [name]: e.target.value })),
          'aria-invalid': p ? true : undefined,
          'aria-describedby': describedBy,
        })}
        {hint && (
          <p className="hint" id={`${uid}-${name}-hint`}>
            {hint}
          </p>
        )}
        {p && (
          <p className="field-error" id={`${uid}-${name}-err`}>
            <span className="code">{p.code}</span> {p.message}
          </p>
        )}
      </div>
    );
  };

  return (
    <section className="panel" aria-labelledby={`${uid}-h`}>
      <p className="crumbs">
        <Link href={BASE}>Products</Link> <span aria-hidden="true">/</span>
      </p>
      <h1 id={`${uid}-h`}>{product ? product.name : 'Add product'}</h1>
      {product && (
        <p className="muted small">
          Added {formatDate(product.createdAt)} · changed {formatDate(product.updatedAt)}
        </p>
      )}
      <form onSubmit={save} noValidate className="product-form">
        {field('name', 'Name', (props) => <input type="text" maxLength={150} required autoComplete="off" {...props} />)}
        {field('description', 'Description', (props) => <textarea rows={4} {...props} />)}
        {field('price', 'Price', (props) => <input type="text" inputMode="decimal" required autoComplete="off" className="price" {...props} />, 'Up to 10 digits, 2 after the point, e.g. 19.90')}
        {rest.length > 0 && (
          <div className="alert" role="alert">
            {rest.map((p, i) => (
              <p key={i}>
                <span className="code">{p.code}</span> {p.message}
              </p>
            ))}
          </div>
        )}
        <div className="form-buttons">
          <button type="submit" className="button primary" disabled={busy}>
            Save
          </button>
          {product && (
            <button type="button" className="button danger" onClick={() => setConfirming(true)}>
              Delete
            </button>
          )}
          <span className="status" role="status">
            {status}
          </span>
        </div>
      </form>
      {confirming && product && (
        <ConfirmDialog
          title={`Delete “${product.name}”?`}
          confirmLabel="Delete"
          busy={removed.loading}
          onConfirm={doDelete}
          onCancel={() => setConfirming(false)}
        >
          <p>
            {product.images.length === 0
              ? 'It has no images.'
              : `Its ${product.images.length === 1 ? 'image goes' : `${product.images.length} images go`} with it, files included.`}{' '}
            This cannot be undone.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}

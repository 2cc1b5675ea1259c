import { useEffect, useSyncExternalStore } from 'react';
import type { AuthState } from './auth';
import { DocumentList } from './DocumentList';
import { Link } from './Link';
import { ProductForm } from './ProductForm';
import { ProductList } from './ProductList';
import { BASE, parseRoute } from './routes';
import { SignIn } from './SignIn';
import { useLocation } from './navigation';

/** App is the admin's frame: the header, then the page the path names (or the sign-in). */
export function App({ auth }: { auth: AuthState }) {
  const { pathname, search } = useLocation();
  const needSignIn = useSyncExternalStore(auth.subscribe, auth.needed);
  const hasToken = useSyncExternalStore(auth.subscribe, () => auth.tokens.get() !== '');
  const route = parseRoute(pathname);
  const title = needSignIn
    ? 'Sign in'
    : { products: 'Products', newProduct: 'Add product', product: 'Product', documents: 'Documents', notFound: 'Page not found' }[route.name];
  useEffect(() => {
    document.title = `${title} · mediagraph admin`;
  }, [title]);
  let page;
  if (needSignIn) page = <SignIn auth={auth} />;
  else if (route.name === 'products') page = <ProductList search={search} />;
  else if (route.name === 'newProduct') page = <ProductForm key="new" />;
  else if (route.name === 'product') page = <ProductForm key={route.id} id={route.id} />;
  else if (route.name === 'documents') page = <DocumentList />;
  else
    page = (
      <section className="panel">
        <h1>Page not found</h1>
        <p>
          <Link href={BASE}>Back to the products</Link>
        </p>
      </section>
    );
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <Link href={BASE} className="brand">
          <span className="brand-mark" aria-hidden="true" />
          mediagraph <span className="brand-sub">admin</span>
        </Link>
        <nav aria-label="Sections">
          <Link
            href={BASE}
            aria-current={route.name === 'products' ? 'page' : undefined}
            className={route.name === 'product' || route.name === 'newProduct' ? 'active' : undefined}
          >
            Products
          </Link>
          <Link href={`${BASE}documents`} aria-current={route.name === 'documents' ? 'page' : undefined}>
            Documents
          </Link>
        </nav>
        <div className="top-end">
          {auth.tokensRequired && hasToken && (
            <button type="button" className="button quiet" onClick={auth.signOut}>
              Sign out
            </button>
          )}
          <a href="/" className="top-link">
            GraphiQL
          </a>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {page}
      </main>
    </>
  );
}

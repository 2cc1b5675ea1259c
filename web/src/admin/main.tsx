// The admin at /admin/: products, their images and uploads, on the same GraphQL API as any
// client (/query), served by the Go binary with everything it needs.
import './admin.css';
import { ApolloProvider } from '@apollo/client/react';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { readConfig } from '../lib/config';
import { sessionTokenStore } from '../lib/token';
import { App } from './App';
import { createAuthState } from './auth';
import { createClient } from './client';

const config = readConfig();
const tokens = sessionTokenStore();
const auth = createAuthState(config.tokensRequired, tokens);
const client = createClient(config.endpoint, tokens, auth.refused);

const root = document.getElementById('root');
if (!root) throw new Error('admin: #root is missing');
createRoot(root).render(
  <StrictMode>
    <ApolloProvider client={client}>
      <App auth={auth} />
    </ApolloProvider>
  </StrictMode>,
);

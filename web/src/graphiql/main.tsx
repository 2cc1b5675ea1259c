// GraphiQL at /: GraphiQL 5 from npm, served by the Go binary with everything it needs.
import './workers';
// GraphiQL's styles without its bundled fonts (style.css inlines Roboto and Fira Code, ~300 kB
// gzipped, and a second copy of Monaco's CSS): system fonts instead.
import '@graphiql/react/style.css';
import '@graphiql/plugin-doc-explorer/style.css';
import '@graphiql/plugin-history/style.css';
import 'graphiql/graphiql.css';
import './graphiql.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { readConfig } from '../lib/config';
import { sessionTokenStore } from '../lib/token';
import { App } from './App';
import { createFileStore } from './fileStore';

const root = document.getElementById('root');
if (!root) throw new Error('graphiql: #root is missing');
createRoot(root).render(
  <StrictMode>
    <App config={readConfig()} tokens={sessionTokenStore()} files={createFileStore()} />
  </StrictMode>,
);

import { GraphiQL } from 'graphiql';
import { useMemo } from 'react';
import type { PlaygroundConfig } from '../lib/config';
import type { TokenStore } from '../lib/token';
import { createPlaygroundFetcher } from './fetcher';
import type { FileStore } from './fileStore';
import { ServerNotice } from './ServerNotice';
import { TokenField } from './TokenField';
import { uploadPlugin } from './uploadPlugin';

export const DEFAULT_QUERY = `# mediagraph. To send files for Upload variables,
# open "Files" in the sidebar, pick them, then run.
query Products {
  products(first: 10) {
    totalCount
    edges {
      node {
        id
        name
        price
        images { position alt image { url } }
      }
    }
  }
}
`;

export interface AppProps {
  config: PlaygroundConfig;
  tokens: TokenStore;
  files: FileStore;
}

/** App is the GraphiQL page: a bar for the server's settings, then GraphiQL. */
export function App({ config, tokens, files }: AppProps) {
  const fetcher = useMemo(() => createPlaygroundFetcher({ endpoint: config.endpoint, tokens, files }), [config.endpoint, tokens, files]);
  const plugins = useMemo(() => [uploadPlugin(files)], [files]);
  const bar = !config.introspection || config.tokensRequired;
  return (
    <div className="mg-page">
      {bar && (
        <header className="mg-bar">
          {!config.introspection && <ServerNotice />}
          {config.tokensRequired && <TokenField tokens={tokens} />}
        </header>
      )}
      <main className="mg-main">
        <GraphiQL
          fetcher={fetcher}
          plugins={plugins}
          defaultQuery={DEFAULT_QUERY}
          shouldPersistHeaders={false}
          showPersistHeadersSettings={false}
          // null: do not introspect (the server refuses it); GraphiQL then runs operations without a schema.
          {...(config.introspection ? {} : { schema: null })}
        >
          <GraphiQL.Logo>mediagraph</GraphiQL.Logo>
        </GraphiQL>
      </main>
    </div>
  );
}

// The admin's Apollo Client: apollo-upload-client's UploadHttpLink over xhrFetch (so that each
// upload reports its progress), the tab's bearer token on every request, and the
// Apollo-Require-Preflight header that CSRF prevention asks of multipart requests, sent always.
import { ApolloClient, InMemoryCache } from '@apollo/client';
import UploadHttpLink from 'apollo-upload-client/UploadHttpLink.mjs';
import { authorizationHeader, type TokenStore } from '../lib/token';
import { xhrFetch, type ProgressRequestInit } from './xhrFetch';

/** createClient makes the client; onUnauthenticated hears every 401 (the token is missing or refused). */
export function createClient(endpoint: string, tokens: TokenStore, onUnauthenticated: () => void): ApolloClient {
  const fetchWithToken = async (input: RequestInfo | URL, init?: ProgressRequestInit): Promise<Response> => {
    const headers = new Headers(init?.headers);
    const explicit = headers.has('Authorization'); // the sign-in trying a token
    const auth = authorizationHeader(tokens.get());
    if (auth.Authorization && !explicit) headers.set('Authorization', auth.Authorization);
    const res = await xhrFetch(input, { ...init, headers });
    if (res.status === 401 && !explicit) onUnauthenticated();
    return res;
  };
  return new ApolloClient({
    link: new UploadHttpLink({ uri: endpoint, headers: { 'Apollo-Require-Preflight': '1' }, fetch: fetchWithToken as typeof fetch }),
    cache: new InMemoryCache({
      typePolicies: {
        Product: { fields: { images: { merge: false } } },
        MediaFile: { merge: true },
      },
    }),
    defaultOptions: { watchQuery: { fetchPolicy: 'cache-and-network' } },
  });
}

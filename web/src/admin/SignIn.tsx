import { useApolloClient } from '@apollo/client/react';
import { useId, useState, useSyncExternalStore, type FormEvent } from 'react';
import { PROBE_TOKEN } from './api';
import type { AuthState } from './auth';
import { isUnauthenticated, problemsOf } from './errors';

/**
 * SignIn asks for one of the server's API_TOKENS, checks it with a write that changes nothing,
 * and keeps it for this tab (sessionStorage), sent as Authorization: Bearer ….
 */
export function SignIn({ auth }: { auth: AuthState }) {
  const client = useApolloClient();
  const refused = useSyncExternalStore(auth.subscribe, auth.refusedOnce);
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const t = token.trim();
    if (!t) {
      setError('Enter a token.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await client.mutate({ mutation: PROBE_TOKEN, context: { headers: { Authorization: `Bearer ${t}` } } });
      auth.signIn(t);
    } catch (err) {
      if (isUnauthenticated(err)) setError('The server refused this token.');
      else if (problemsOf(err).some((p) => p.code === 'NOT_FOUND')) auth.signIn(t); // the write was let through: the token is good
      else setError(problemsOf(err)[0]?.message ?? 'The server could not be reached.');
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="panel signin" aria-labelledby={`${id}-h`}>
      <h1 id={`${id}-h`}>Sign in</h1>
      <p className="muted">
        {refused ? 'The server asked for a token again. ' : ''}
        This server needs a token (one of its API_TOKENS) for changes. It is kept for this tab only.
      </p>
      <form onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor={id}>Token</label>
          <input
            id={id}
            type="password"
            autoComplete="off"
            spellCheck={false}
            value={token}
            onChange={(e) => setToken(e.target.value)}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? `${id}-err` : undefined}
          />
          {error && (
            <p className="field-error" id={`${id}-err`}>
              {error}
            </p>
          )}
        </div>
        <button type="submit" className="button primary" disabled={busy}>
          Sign in
        </button>
      </form>
    </section>
  );
}

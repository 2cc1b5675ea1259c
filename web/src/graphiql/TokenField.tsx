import { useId, useState, useSyncExternalStore, type FormEvent } from 'react';
import type { TokenStore } from '../lib/token';

/**
 * TokenField lets a person enter the bearer token once for this tab (kept in sessionStorage and
 * sent as Authorization: Bearer … with every request, never saved in GraphiQL's storage).
 */
export function TokenField({ tokens }: { tokens: TokenStore }) {
  const saved = useSyncExternalStore(tokens.subscribe, tokens.get);
  const [draft, setDraft] = useState(saved);
  const id = useId();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    tokens.set(draft);
  };
  return (
    <form className="mg-token" onSubmit={submit}>
      <label htmlFor={id}>Bearer token</label>
      <input
        id={id}
        type="password"
        autoComplete="off"
        spellCheck={false}
        value={draft}
        placeholder="needed for mutations and uploads"
        onChange={(e) => setDraft(e.target.value)}
      />
      <button type="submit">Use for this tab</button>
      <span className="mg-token-state" aria-live="polite">{saved ? 'token set' : 'no token'}</span>
    </form>
  );
}

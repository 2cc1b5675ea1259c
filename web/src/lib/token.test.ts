import { describe, expect, it, vi } from 'vitest';
import { authorizationHeader, createTokenStore } from './token';

function memoryStorage() {
  const m = new Map<string, string>();
  return {
    getItem: (k: string) => m.get(k) ?? null,
    setItem: (k: string, v: string) => void m.set(k, v),
    removeItem: (k: string) => void m.delete(k),
    map: m,
  };
}

describe('token store', () => {
  it('keeps a trimmed token in the given storage and tells listeners', () => {
    const storage = memoryStorage();
    const tokens = createTokenStore(storage);
    const listener = vi.fn();
    tokens.subscribe(listener);
    tokens.set('  secret  ');
    expect(tokens.get()).toBe('secret');
    expect(storage.map.get('mediagraph.token')).toBe('secret');
    expect(listener).toHaveBeenCalledTimes(1);
    tokens.set('');
    expect(storage.map.has('mediagraph.token')).toBe(false);
  });
  it('falls back to memory when storage throws', () => {
    const broken = {
      getItem: () => { throw new Error('denied'); },
      setItem: () => { throw new Error('denied'); },
      removeItem: () => { throw new Error('denied'); },
    };
    const tokens = createTokenStore(broken);
    tokens.set('t');
    expect(tokens.get()).toBe('t');
  });
  it('gives the Authorization header only for a token', () => {
    expect(authorizationHeader('abc')).toEqual({ Authorization: 'Bearer abc' });
    expect(authorizationHeader('')).toEqual({});
  });
});

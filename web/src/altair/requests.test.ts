import { getIntrospectionQuery } from 'graphql';
import { describe, expect, it } from 'vitest';
import { isEndpoint, rewriteIntrospection } from './requests';

describe('isEndpoint', () => {
  const base = 'http://127.0.0.1:8080/altair';
  const cases: [string, boolean][] = [
    ['/query', true],
    ['http://127.0.0.1:8080/query', true],
    ['http://127.0.0.1:8080/query?x=1', true],
    ['/query/more', false],
    ['/assets/altair-x/assets/i18n/en-US.json', false],
    ['http://evil.example/query', false],
    ['http://127.0.0.1:9999/query', false],
  ];
  for (const [url, want] of cases) {
    it(`${url} → ${want}`, () => expect(isEndpoint(url, '/query', base)).toBe(want));
  }
});

describe('rewriteIntrospection', () => {
  it('cuts the ofType chain of an introspection request and keeps the rest', () => {
    const body = JSON.stringify({ query: getIntrospectionQuery(), variables: {}, operationName: 'IntrospectionQuery' });
    const out = JSON.parse(rewriteIntrospection(body) as string);
    expect(out.operationName).toBe('IntrospectionQuery');
    expect(out.variables).toEqual({});
    expect((out.query.match(/ofType/g) ?? []).length).toBe(6);
  });
  it('leaves other bodies alone', () => {
    const q = JSON.stringify({ query: '{ products { totalCount } }' });
    expect(rewriteIntrospection(q)).toBe(q);
    expect(rewriteIntrospection('{"query": "{ __schema { types { name } } }"}')).toBe('{"query": "{ __schema { types { name } } }"}');
    const form = new FormData();
    expect(rewriteIntrospection(form)).toBe(form);
    expect(rewriteIntrospection('not json __schema')).toBe('not json __schema');
  });
});

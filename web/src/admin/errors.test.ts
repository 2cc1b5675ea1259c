import { describe, expect, it } from 'vitest';
import { byField, isAbort, isUnauthenticated, problemsOf } from './errors';

describe('problemsOf', () => {
  it('reads GraphQL errors with their code and field', () => {
    const err = { errors: [{ message: 'price: bad decimal', extensions: { code: 'BAD_USER_INPUT', field: 'input.price' } }, { message: 'x' }] };
    expect(problemsOf(err)).toEqual([
      { code: 'BAD_USER_INPUT', message: 'price: bad decimal', field: 'input.price' },
      { code: 'ERROR', message: 'x' },
    ]);
  });
  it('reads the GraphQL-shaped body of an HTTP refusal', () => {
    const err = { statusCode: 401, bodyText: '{"errors":[{"message":"a token is required","extensions":{"code":"UNAUTHENTICATED"}}]}' };
    expect(problemsOf(err)).toEqual([{ code: 'UNAUTHENTICATED', message: 'a token is required' }]);
    expect(isUnauthenticated(err)).toBe(true);
    expect(problemsOf({ statusCode: 502, bodyText: '<html>' })).toEqual([{ code: 'HTTP_502', message: 'the server answered 502' }]);
  });
  it('calls anything else a network error', () => {
    expect(problemsOf(new TypeError('Failed to fetch'))).toEqual([{ code: 'NETWORK_ERROR', message: 'Failed to fetch' }]);
    expect(isUnauthenticated(new TypeError('x'))).toBe(false);
  });
});

describe('isAbort', () => {
  it('finds an AbortError, also as a cause', () => {
    expect(isAbort(new DOMException('x', 'AbortError'))).toBe(true);
    expect(isAbort({ name: 'Error', cause: { name: 'AbortError' } })).toBe(true);
    expect(isAbort(new Error('x'))).toBe(false);
  });
});

describe('byField', () => {
  it('puts each field problem next to its field, the rest apart', () => {
    const problems = [
      { code: 'BAD_USER_INPUT', message: 'name is empty', field: 'input.name' },
      { code: 'BAD_USER_INPUT', message: 'bad price', field: 'input.price' },
      { code: 'NOT_FOUND', message: 'no such product', field: 'id' },
      { code: 'INTERNAL', message: 'oops' },
    ];
    const { fields, rest } = byField(problems, 'input.', ['name', 'description', 'price']);
    expect(Object.keys(fields)).toEqual(['name', 'price']);
    expect(fields.price.message).toBe('bad price');
    expect(rest.map((p) => p.code)).toEqual(['NOT_FOUND', 'INTERNAL']);
  });
});

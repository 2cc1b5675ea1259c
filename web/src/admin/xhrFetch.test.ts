import { describe, expect, it } from 'vitest';
import { parseResponseHeaders, requestURL } from './xhrFetch';

describe('parseResponseHeaders', () => {
  it('reads the lines XHR gives, lower-cased, values kept whole', () => {
    expect(parseResponseHeaders('Content-Type: application/json; charset=utf-8\r\nX-Thing:  a: b \r\n\r\n')).toEqual([
      ['content-type', 'application/json; charset=utf-8'],
      ['x-thing', 'a: b'],
    ]);
  });
  it('skips what is not a header', () => {
    expect(parseResponseHeaders('')).toEqual([]);
    expect(parseResponseHeaders('garbage\n: no name\n')).toEqual([]);
  });
});

describe('requestURL', () => {
  it('takes a string, a URL or a Request', () => {
    expect(requestURL('/query')).toBe('/query');
    expect(requestURL(new URL('http://127.0.0.1/query'))).toBe('http://127.0.0.1/query');
    expect(requestURL(new Request('http://127.0.0.1/q'))).toBe('http://127.0.0.1/q');
  });
});

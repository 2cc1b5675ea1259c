import { describe, expect, it } from 'vitest';
import { parseConfig } from './config';

describe('parseConfig', () => {
  it('reads what the server filled in', () => {
    expect(parseConfig('{"endpoint":"/graphql","introspection":false,"tokensRequired":true}')).toEqual({
      endpoint: '/graphql',
      introspection: false,
      tokensRequired: true,
    });
  });
  it('falls back to the defaults for a page not served by the Go handler', () => {
    const defaults = { endpoint: '/query', introspection: true, tokensRequired: false };
    expect(parseConfig('__MEDIAGRAPH_PLAYGROUND__')).toEqual(defaults);
    expect(parseConfig(null)).toEqual(defaults);
    expect(parseConfig('{"endpoint":7,"introspection":"no"}')).toEqual(defaults);
  });
});

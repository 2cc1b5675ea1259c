import { getIntrospectionQuery, parse, visit } from 'graphql';
import { describe, expect, it } from 'vitest';
import { shallowIntrospection } from './introspection';

function maxOfTypeChain(query: string): number {
  let depth = 0;
  let max = 0;
  visit(parse(query), {
    Field: {
      enter(node) {
        if (node.name.value === 'ofType') max = Math.max(max, ++depth);
      },
      leave(node) {
        if (node.name.value === 'ofType') depth--;
      },
    },
  });
  return max;
}

describe('shallowIntrospection', () => {
  it('cuts the ofType chain and keeps everything else', () => {
    const full = getIntrospectionQuery({ inputValueDeprecation: true, schemaDescription: true });
    expect(maxOfTypeChain(full)).toBe(9);
    const short = shallowIntrospection(full, 6);
    expect(maxOfTypeChain(short)).toBe(6);
    expect(short).toContain('inputFields(includeDeprecated: true)');
    expect(short).toContain('query IntrospectionQuery');
    expect(short).toContain('fragment TypeRef on __Type');
  });
  it('leaves a shallow query as it is', () => {
    const q = '{ __type(name: "Product") { name ofType { name } } }';
    expect(maxOfTypeChain(shallowIntrospection(q, 6))).toBe(1);
  });
});

// The server limits how deep an operation nests (MAX_QUERY_DEPTH, 12 by default) and counts
// introspection too. graphql-js's introspection query, as the playgrounds send it, follows
// ofType nine levels down (15 levels in all) and is refused with QUERY_TOO_DEEP; six levels of
// ofType still describe every type this schema has (the deepest is [Upload!]!, three wrappers).
import { parse, print, visit, type FieldNode } from 'graphql';

/** INTROSPECTION_TYPE_DEPTH is the ofType nesting kept: 12 levels in all. */
export const INTROSPECTION_TYPE_DEPTH = 6;

/** shallowIntrospection cuts every ofType chain of an introspection query at maxOfType levels. */
export function shallowIntrospection(query: string, maxOfType = INTROSPECTION_TYPE_DEPTH): string {
  let depth = 0;
  const doc = visit(parse(query), {
    Field: {
      enter(node: FieldNode) {
        if (node.name.value !== 'ofType') return undefined;
        if (depth >= maxOfType) return null; // removed: leave is not called for it
        depth++;
        return undefined;
      },
      leave(node: FieldNode) {
        if (node.name.value === 'ofType') depth--;
      },
    },
  });
  return print(doc);
}

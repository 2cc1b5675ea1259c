// What a refused request means for the page: the API's errors as codes, messages and fields
// (extensions.field, e.g. "input.price"), whether the request was refused for want of a token,
// and whether it was cancelled. Errors are read by shape, so this works on Apollo's
// CombinedGraphQLErrors and ServerError alike.

/** Problem is one refusal. */
export interface Problem {
  code: string;
  message: string;
  /** The argument it is about, as a path from the root field's arguments ("input.price"). */
  field?: string;
}

interface GraphQLErrorLike {
  message?: unknown;
  extensions?: { code?: unknown; field?: unknown } | null;
}

function fromGraphQLErrors(list: unknown): Problem[] {
  if (!Array.isArray(list)) return [];
  return list.map((e: GraphQLErrorLike) => ({
    code: typeof e?.extensions?.code === 'string' ? e.extensions.code : 'ERROR',
    message: typeof e?.message === 'string' ? e.message : 'the request was refused',
    ...(typeof e?.extensions?.field === 'string' ? { field: e.extensions.field } : {}),
  }));
}

/** problemsOf lists what an error says: the GraphQL errors, or the HTTP refusal's body. */
export function problemsOf(error: unknown): Problem[] {
  if (!error || typeof error !== 'object') return [{ code: 'ERROR', message: String(error) }];
  const e = error as { errors?: unknown; bodyText?: unknown; statusCode?: unknown; message?: unknown; name?: unknown };
  if (Array.isArray(e.errors) && e.errors.length > 0) return fromGraphQLErrors(e.errors);
  if (typeof e.bodyText === 'string') {
    try {
      const body = JSON.parse(e.bodyText) as { errors?: unknown };
      const problems = fromGraphQLErrors(body.errors);
      if (problems.length > 0) return problems;
    } catch {
      // not JSON: the status below
    }
    return [{ code: `HTTP_${String(e.statusCode)}`, message: `the server answered ${String(e.statusCode)}` }];
  }
  if (e.name === 'AbortError') return [{ code: 'CANCELLED', message: 'cancelled' }];
  return [{ code: 'NETWORK_ERROR', message: typeof e.message === 'string' ? e.message : 'the request failed' }];
}

/** isUnauthenticated says whether the request was refused for want of a valid token. */
export function isUnauthenticated(error: unknown): boolean {
  if (error && typeof error === 'object' && (error as { statusCode?: unknown }).statusCode === 401) return true;
  return problemsOf(error).some((p) => p.code === 'UNAUTHENTICATED');
}

/** isAbort says whether the request was cancelled by the page. */
export function isAbort(error: unknown): boolean {
  let e: unknown = error;
  for (let i = 0; i < 3 && e && typeof e === 'object'; i++) {
    if ((e as { name?: unknown }).name === 'AbortError') return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * byField splits problems into those about one of the given fields (keyed by the field, the
 * prefix removed: "input.price" → "price") and the rest.
 */
export function byField(problems: readonly Problem[], prefix: string, fields: readonly string[]): { fields: Record<string, Problem>; rest: Problem[] } {
  const out: Record<string, Problem> = {};
  const rest: Problem[] = [];
  for (const p of problems) {
    const name = p.field?.startsWith(prefix) ? p.field.slice(prefix.length) : undefined;
    if (name && fields.includes(name) && !out[name]) out[name] = p;
    else rest.push(p);
  }
  return { fields: out, rest };
}

// Uploads per the GraphQL multipart request spec
// (https://github.com/jaydenseric/graphql-multipart-request-spec): which variables of an
// operation take files, and the multipart body that sends an operation with picked files.
import {
  Kind,
  parse,
  type DocumentNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type TypeNode,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  type GraphQLInputType,
} from 'graphql';

/** The name of the scalar that carries a file. */
export const UPLOAD_SCALAR = 'Upload';

/** A place in an operation's variables that takes files. */
export interface UploadSlot {
  /** Dotted path from the variables object, e.g. "image" or "input.file". */
  path: string;
  /** The GraphQL type at that path as written, e.g. "Upload!" or "[Upload!]!". */
  type: string;
  /** True for a list of files ([Upload!]). */
  multiple: boolean;
  /** True when the type is non-null (a file must be picked). */
  required: boolean;
}

/** Picked files, by slot path: one file, or several for a list slot. */
export type PickedFiles = ReadonlyMap<string, readonly File[]>;

const MAX_INPUT_DEPTH = 4;

function typeText(t: TypeNode): string {
  switch (t.kind) {
    case Kind.NON_NULL_TYPE:
      return `${typeText(t.type)}!`;
    case Kind.LIST_TYPE:
      return `[${typeText(t.type)}]`;
    default:
      return t.name.value;
  }
}

/**
 * selectOperation returns the operation that a request with this operationName runs: the named
 * one, or the only one. It returns undefined when the name matches nothing or is needed but absent.
 */
export function selectOperation(doc: DocumentNode, operationName?: string | null): OperationDefinitionNode | undefined {
  const ops = doc.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (operationName) return ops.find((o) => o.name?.value === operationName);
  return ops.length === 1 ? ops[0] : undefined;
}

/** Slots inside an input object type, found through the schema (e.g. CreateDocumentInput.file). */
function inputSlots(type: GraphQLInputType, path: string, depth: number, out: UploadSlot[]): void {
  const required = isNonNullType(type);
  const inner = required ? type.ofType : type;
  if (isListType(inner)) {
    const item = isNonNullType(inner.ofType) ? inner.ofType.ofType : inner.ofType;
    if (isScalarType(item) && item.name === UPLOAD_SCALAR) out.push({ path, type: String(type), multiple: true, required });
    return; // files inside lists of input objects are left to the variables editor
  }
  if (isScalarType(inner) && inner.name === UPLOAD_SCALAR) {
    out.push({ path, type: String(type), multiple: false, required });
    return;
  }
  if (isInputObjectType(inner) && depth < MAX_INPUT_DEPTH) {
    for (const field of Object.values(inner.getFields())) inputSlots(field.type, `${path}.${field.name}`, depth + 1, out);
  }
}

/**
 * findUploadSlots lists the places in an operation's variables that take files: variables of type
 * Upload, Upload!, [Upload!] or [Upload!]!, and, when the schema is known, Upload fields of input
 * object variables (e.g. $input: CreateDocumentInput! gives "input.file" and "input.image").
 */
export function findUploadSlots(op: OperationDefinitionNode, schema?: GraphQLSchema | null): UploadSlot[] {
  const out: UploadSlot[] = [];
  for (const v of op.variableDefinitions ?? []) {
    const name = v.variable.name.value;
    const required = v.type.kind === Kind.NON_NULL_TYPE;
    let t: TypeNode = required ? (v.type as { type: TypeNode }).type : v.type;
    let multiple = false;
    if (t.kind === Kind.LIST_TYPE) {
      multiple = true;
      t = t.type.kind === Kind.NON_NULL_TYPE ? t.type.type : t.type;
    }
    if (t.kind !== Kind.NAMED_TYPE) continue; // lists of lists: not a file slot
    if (t.name.value === UPLOAD_SCALAR) {
      out.push({ path: name, type: typeText(v.type), multiple, required });
      continue;
    }
    if (multiple || !schema) continue;
    const named = schema.getType(t.name.value);
    if (named && isInputObjectType(named)) {
      for (const field of Object.values(named.getFields())) inputSlots(field.type, `${name}.${field.name}`, 1, out);
    }
  }
  return out;
}

/** uploadSlotsOf parses an operation document and lists its file slots; [] if it does not parse. */
export function uploadSlotsOf(query: string, operationName?: string | null, schema?: GraphQLSchema | null): UploadSlot[] {
  let doc: DocumentNode;
  try {
    doc = parse(query);
  } catch {
    return [];
  }
  const op = selectOperation(doc, operationName);
  return op ? findUploadSlots(op, schema) : [];
}

/** The parts of a multipart GraphQL request, before they become FormData. */
export interface MultipartRequest {
  /** The JSON of the `operations` field: the operation with null where each file goes. */
  operations: { query: string; operationName?: string | null; variables: Record<string, unknown> };
  /** The JSON of the `map` field: file part name → paths in `operations`. */
  map: Record<string, string[]>;
  /** The file parts in order, named as in `map`. */
  files: { name: string; file: File }[];
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node: Record<string, unknown> = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]] = value;
}

/**
 * buildMultipartRequest places picked files into an operation: every picked slot that the
 * operation declares gets null (a list slot: one null per file) in a copy of the variables, and
 * an entry in the map ("0": ["variables.image"], "1": ["variables.images.0"], …). Slots without
 * files keep the variables as written. It returns undefined when no file applies, so the caller
 * sends plain JSON.
 */
export function buildMultipartRequest(
  params: { query: string; operationName?: string | null; variables?: unknown },
  slots: readonly UploadSlot[],
  picked: PickedFiles,
): MultipartRequest | undefined {
  const base = params.variables && typeof params.variables === 'object' && !Array.isArray(params.variables) ? params.variables : {};
  const variables = structuredClone(base) as Record<string, unknown>;
  const map: Record<string, string[]> = {};
  const files: { name: string; file: File }[] = [];
  for (const slot of slots) {
    const chosen = picked.get(slot.path);
    if (!chosen || chosen.length === 0) continue;
    const path = slot.path.split('.');
    if (slot.multiple) {
      setPath(variables, path, chosen.map(() => null));
      chosen.forEach((file, i) => {
        const name = String(files.length);
        map[name] = [`variables.${slot.path}.${i}`];
        files.push({ name, file });
      });
    } else {
      setPath(variables, path, null);
      const name = String(files.length);
      map[name] = [`variables.${slot.path}`];
      files.push({ name, file: chosen[0] });
    }
  }
  if (files.length === 0) return undefined;
  const operations: MultipartRequest['operations'] = { query: params.query, variables };
  if (params.operationName) operations.operationName = params.operationName;
  return { operations, map, files };
}

/** toFormData lays the request out as the spec orders it: operations, map, then the files. */
export function toFormData(req: MultipartRequest): FormData {
  const body = new FormData();
  body.append('operations', JSON.stringify(req.operations));
  body.append('map', JSON.stringify(req.map));
  for (const { name, file } of req.files) body.append(name, file, file.name);
  return body;
}

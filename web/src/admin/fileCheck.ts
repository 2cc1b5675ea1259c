// Checks a file against the server's uploadRules before it is sent, so that a file the server
// would refuse never leaves the browser. The wording of each refusal is the server's
// (media/rule.go), with the same codes, so a person reads the same sentence either way.

/** UploadRule is one entry of the uploadRules query. */
export interface UploadRule {
  target: string;
  contentTypes: readonly string[];
  extensions: readonly string[];
  maxBytes: number;
  minWidth?: number | null;
  minHeight?: number | null;
  maxPixels?: number | null;
}

/** Refusal is why a file cannot be sent: the server's code and sentence. */
export interface Refusal {
  code: 'FILE_TOO_LARGE' | 'UNSUPPORTED_FILE_TYPE' | 'INVALID_IMAGE' | 'IMAGE_TOO_SMALL' | 'IMAGE_TOO_LARGE';
  message: string;
}

/** How many first bytes sniffImageType needs. */
export const SNIFF_BYTES = 16;

/** sniffImageType names an image type from a file's first bytes (magic numbers), or null. */
export function sniffImageType(head: Uint8Array): string | null {
  const at = (i: number, ...bytes: number[]) => bytes.every((b, k) => head[i + k] === b);
  if (at(0, 0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (at(0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
  if (at(0, 0x47, 0x49, 0x46, 0x38) && (head[4] === 0x37 || head[4] === 0x39) && head[5] === 0x61) return 'image/gif';
  if (at(0, 0x52, 0x49, 0x46, 0x46) && at(8, 0x57, 0x45, 0x42, 0x50)) return 'image/webp';
  return null;
}

/** formatBytes writes a byte count as the server does in its messages ("10 MiB", "500 KiB"). */
export function formatBytes(n: number): string {
  if (n >= 1 << 20 && n % (1 << 20) === 0) return `${n / (1 << 20)} MiB`;
  if (n >= 1 << 10 && n % (1 << 10) === 0) return `${n / (1 << 10)} KiB`;
  return `${n} bytes`;
}

/** humanSize writes a size for people ("12.3 KB"), for lists rather than refusals. */
export function humanSize(n: number): string {
  if (n < 1000) return `${n} B`;
  if (n < 1000 * 1000) return `${(n / 1000).toFixed(1)} KB`;
  return `${(n / 1000 / 1000).toFixed(1)} MB`;
}

/**
 * checkContent applies the size and type parts of a rule: what the first bytes and the size
 * say. It returns null when the file may go on to the dimension check.
 */
export function checkContent(rule: UploadRule, size: number, contentType: string | null): Refusal | null {
  if (size > rule.maxBytes) {
    return { code: 'FILE_TOO_LARGE', message: `file is larger than ${formatBytes(rule.maxBytes)} (the limit for ${rule.target})` };
  }
  if (size === 0) return { code: 'UNSUPPORTED_FILE_TYPE', message: 'file is empty' };
  if (!contentType || !rule.contentTypes.includes(contentType)) {
    return {
      code: 'UNSUPPORTED_FILE_TYPE',
      message: `file content is ${contentType ?? 'not a recognised file type'}; ${rule.target} accepts ${rule.extensions.join(', ')}`,
    };
  }
  return null;
}

/** checkDimensions applies the minimum size and the pixel cap of a rule to decoded dimensions. */
export function checkDimensions(rule: UploadRule, width: number, height: number): Refusal | null {
  if (!(width > 0 && height > 0)) return { code: 'INVALID_IMAGE', message: 'image cannot be decoded' };
  const minW = rule.minWidth ?? 0;
  const minH = rule.minHeight ?? 0;
  if ((minW > 0 && width < minW) || (minH > 0 && height < minH)) {
    return { code: 'IMAGE_TOO_SMALL', message: `image is ${width}×${height} pixels; at least ${minW}×${minH} required` };
  }
  if (rule.maxPixels && width * height > rule.maxPixels) {
    return { code: 'IMAGE_TOO_LARGE', message: `image is ${width}×${height} pixels; at most ${rule.maxPixels} pixels allowed` };
  }
  return null;
}

/** Decoder gives an image's dimensions (createImageBitmap in the page), or throws. */
export type Decoder = (file: Blob) => Promise<{ width: number; height: number; close?: () => void }>;

/**
 * checkImageFile runs every check in the server's order: size, type from the first bytes,
 * then the dimensions from a decode. It resolves to null for a file that may be sent.
 */
export async function checkImageFile(rule: UploadRule, file: Blob, decode: Decoder): Promise<Refusal | null> {
  const head = new Uint8Array(await file.slice(0, SNIFF_BYTES).arrayBuffer());
  const refused = checkContent(rule, file.size, sniffImageType(head));
  if (refused) return refused;
  let dims: { width: number; height: number; close?: () => void };
  try {
    dims = await decode(file);
  } catch {
    return { code: 'INVALID_IMAGE', message: 'image cannot be decoded: it is damaged or truncated' };
  }
  const { width, height } = dims; // before close(): a closed ImageBitmap reads 0×0
  dims.close?.();
  return checkDimensions(rule, width, height);
}

const TEXT = 'text/plain; charset=utf-8';
const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

/** How many first bytes sniffDocumentType reads (a text file must have no NUL in them). */
export const DOCUMENT_SNIFF_BYTES = 4096;

/**
 * sniffDocumentType names a document's type from its first bytes: a PDF, a DOCX (a ZIP: the
 * server looks inside, the page does not), or text (no NUL byte); null for anything else.
 */
export function sniffDocumentType(head: Uint8Array): string | null {
  const starts = (...b: number[]) => b.every((x, i) => head[i] === x);
  if (starts(0x25, 0x50, 0x44, 0x46, 0x2d)) return 'application/pdf';
  if (starts(0x50, 0x4b, 0x03, 0x04)) return DOCX;
  if (head.length > 0 && !head.includes(0)) return TEXT;
  return null;
}

const extOfType: Record<string, string> = { 'application/pdf': 'pdf', [DOCX]: 'docx', [TEXT]: 'txt' };

/**
 * checkDocumentName applies the extension part of a document rule as the server does: the name
 * must end in an allowed extension that matches the content.
 */
export function checkDocumentName(rule: UploadRule, name: string, contentType: string): Refusal | null {
  const dot = name.lastIndexOf('.');
  const ext = dot >= 0 ? name.slice(dot + 1).toLowerCase() : '';
  if (!rule.extensions.includes(ext)) {
    return { code: 'UNSUPPORTED_FILE_TYPE', message: `file name "${name}" must end in one of .${rule.extensions.join(', .')}` };
  }
  if (extOfType[contentType] && extOfType[contentType] !== ext) {
    return { code: 'UNSUPPORTED_FILE_TYPE', message: `file name ends in .${ext} but the content is ${contentType}` };
  }
  return null;
}

/** checkDocumentFile runs the document checks in the server's order: size, type, name. */
export async function checkDocumentFile(rule: UploadRule, file: File): Promise<Refusal | null> {
  const head = new Uint8Array(await file.slice(0, DOCUMENT_SNIFF_BYTES).arrayBuffer());
  const type = sniffDocumentType(head);
  return checkContent(rule, file.size, type) ?? checkDocumentName(rule, file.name, type ?? '');
}

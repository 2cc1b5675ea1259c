import { describe, expect, it } from 'vitest';
import {
  checkContent,
  checkDimensions,
  checkDocumentFile,
  checkImageFile,
  formatBytes,
  humanSize,
  sniffDocumentType,
  sniffImageType,
  type UploadRule,
} from './fileCheck';

const rule: UploadRule = {
  target: 'ProductImage.image',
  contentTypes: ['image/jpeg', 'image/png', 'image/gif', 'image/webp'],
  extensions: ['jpg', 'png', 'gif', 'webp'],
  maxBytes: 10 << 20,
  minWidth: 300,
  minHeight: 300,
  maxPixels: 40_000_000,
};

const bytes = (...b: number[]) => new Uint8Array(b);
const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13];

describe('sniffImageType', () => {
  it.each([
    ['JPEG', bytes(0xff, 0xd8, 0xff, 0xe0, 0, 0x10), 'image/jpeg'],
    ['PNG', bytes(...PNG), 'image/png'],
    ['GIF89a', bytes(0x47, 0x49, 0x46, 0x38, 0x39, 0x61), 'image/gif'],
    ['GIF87a', bytes(0x47, 0x49, 0x46, 0x38, 0x37, 0x61), 'image/gif'],
    ['WebP', bytes(0x52, 0x49, 0x46, 0x46, 1, 2, 3, 4, 0x57, 0x45, 0x42, 0x50), 'image/webp'],
    ['a RIFF that is not WebP (WAV)', bytes(0x52, 0x49, 0x46, 0x46, 1, 2, 3, 4, 0x57, 0x41, 0x56, 0x45), null],
    ['a PDF', new TextEncoder().encode('%PDF-1.4\n'), null],
    ['nothing', bytes(), null],
    ['a truncated PNG signature', bytes(0x89, 0x50, 0x4e), null],
  ])('%s', (_name, head, want) => {
    expect(sniffImageType(head)).toBe(want);
  });
});

describe('checkContent', () => {
  it('refuses a file over the limit, with the server wording', () => {
    expect(checkContent(rule, (10 << 20) + 1, 'image/png')).toEqual({
      code: 'FILE_TOO_LARGE',
      message: 'file is larger than 10 MiB (the limit for ProductImage.image)',
    });
  });
  it('refuses an empty file', () => {
    expect(checkContent(rule, 0, null)?.code).toBe('UNSUPPORTED_FILE_TYPE');
  });
  it('refuses content of another type', () => {
    expect(checkContent(rule, 10, null)).toEqual({
      code: 'UNSUPPORTED_FILE_TYPE',
      message: 'file content is not a recognised file type; ProductImage.image accepts jpg, png, gif, webp',
    });
    expect(checkContent({ ...rule, contentTypes: ['image/png'] }, 10, 'image/gif')?.code).toBe('UNSUPPORTED_FILE_TYPE');
  });
  it('lets an allowed type within the limit through', () => {
    expect(checkContent(rule, 10 << 20, 'image/webp')).toBeNull();
  });
});

describe('checkDimensions', () => {
  it('refuses a small image as the server does', () => {
    expect(checkDimensions(rule, 100, 100)).toEqual({ code: 'IMAGE_TOO_SMALL', message: 'image is 100×100 pixels; at least 300×300 required' });
    expect(checkDimensions(rule, 300, 299)?.code).toBe('IMAGE_TOO_SMALL');
  });
  it('refuses an image over the pixel cap', () => {
    expect(checkDimensions(rule, 8000, 5001)).toEqual({ code: 'IMAGE_TOO_LARGE', message: 'image is 8000×5001 pixels; at most 40000000 pixels allowed' });
  });
  it('accepts the limits themselves', () => {
    expect(checkDimensions(rule, 300, 300)).toBeNull();
    expect(checkDimensions(rule, 8000, 5000)).toBeNull();
  });
  it('ignores limits the rule does not set', () => {
    expect(checkDimensions({ ...rule, minWidth: null, minHeight: null, maxPixels: null }, 1, 1)).toBeNull();
  });
});

describe('checkImageFile', () => {
  const png = (size = 64) => new Blob([bytes(...PNG), new Uint8Array(size)]);
  it('decodes only files whose type and size pass', async () => {
    let decoded = 0;
    const decode = async () => {
      decoded++;
      return { width: 400, height: 400 };
    };
    expect(await checkImageFile(rule, new Blob(['not an image']), decode)).toMatchObject({ code: 'UNSUPPORTED_FILE_TYPE' });
    expect(await checkImageFile({ ...rule, maxBytes: 10 }, png(), decode)).toMatchObject({ code: 'FILE_TOO_LARGE' });
    expect(decoded).toBe(0);
    expect(await checkImageFile(rule, png(), decode)).toBeNull();
    expect(decoded).toBe(1);
  });
  it('gives the dimensions refusal', async () => {
    expect(await checkImageFile(rule, png(), async () => ({ width: 100, height: 100 }))).toMatchObject({ code: 'IMAGE_TOO_SMALL' });
  });
  it('calls a file that does not decode INVALID_IMAGE, and closes what it decoded', async () => {
    expect(await checkImageFile(rule, png(), () => Promise.reject(new Error('bad')))).toMatchObject({ code: 'INVALID_IMAGE' });
    // An ImageBitmap reads 0×0 once closed: the dimensions are taken before.
    const bitmap = { width: 500, height: 500, close() { this.width = 0; this.height = 0; } };
    expect(await checkImageFile(rule, png(), async () => bitmap)).toBeNull();
    expect(bitmap.width).toBe(0);
  });
});

describe('sizes', () => {
  it('formats as the server and for people', () => {
    expect(formatBytes(500 << 10)).toBe('500 KiB');
    expect(formatBytes(20 << 20)).toBe('20 MiB');
    expect(formatBytes(1000)).toBe('1000 bytes');
    expect(humanSize(999)).toBe('999 B');
    expect(humanSize(12_345)).toBe('12.3 KB');
    expect(humanSize(2_500_000)).toBe('2.5 MB');
  });
});

describe('documents', () => {
  const docRule: UploadRule = {
    target: 'Document.file',
    contentTypes: ['application/pdf', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'text/plain; charset=utf-8'],
    extensions: ['pdf', 'docx', 'txt'],
    maxBytes: 20 << 20,
  };
  const file = (body: BlobPart, name: string) => new File([body], name);
  it('sniffs PDF, DOCX (a ZIP) and text', () => {
    expect(sniffDocumentType(new TextEncoder().encode('%PDF-1.4'))).toBe('application/pdf');
    expect(sniffDocumentType(bytes(0x50, 0x4b, 0x03, 0x04, 1))).toMatch(/wordprocessingml/);
    expect(sniffDocumentType(new TextEncoder().encode('plain words'))).toBe('text/plain; charset=utf-8');
    expect(sniffDocumentType(bytes(1, 0, 2))).toBeNull();
    expect(sniffDocumentType(bytes())).toBeNull();
  });
  it('checks the name against the content as the server does', async () => {
    expect(await checkDocumentFile(docRule, file('%PDF-1.4 …', 'manual.pdf'))).toBeNull();
    expect(await checkDocumentFile(docRule, file('%PDF-1.4 …', 'manual.PDF'))).toBeNull();
    expect(await checkDocumentFile(docRule, file('%PDF-1.4 …', 'manual.txt'))).toEqual({
      code: 'UNSUPPORTED_FILE_TYPE',
      message: 'file name ends in .txt but the content is application/pdf',
    });
    expect(await checkDocumentFile(docRule, file('words', 'notes'))).toEqual({
      code: 'UNSUPPORTED_FILE_TYPE',
      message: 'file name "notes" must end in one of .pdf, .docx, .txt',
    });
    expect(await checkDocumentFile(docRule, file(bytes(0, 1, 2), 'x.pdf'))).toMatchObject({ code: 'UNSUPPORTED_FILE_TYPE' });
    expect(await checkDocumentFile({ ...docRule, maxBytes: 3 }, file('%PDF-1.4', 'x.pdf'))).toMatchObject({ code: 'FILE_TOO_LARGE' });
    expect(await checkDocumentFile(docRule, file('', 'x.txt'))).toEqual({ code: 'UNSUPPORTED_FILE_TYPE', message: 'file is empty' });
  });
});

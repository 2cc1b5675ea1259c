// The sideways phone photo fixture, made by the repo's Go generator (media/mediatest/phonephoto):
// a JPEG stored width×height with EXIF Orientation 6 (displayed height×width), carrying GPS, maker
// note, serial, XMP, IPTC, a comment, an EXIF thumbnail and an appended preview; its stored pixels
// are red top-left, green top-right, blue bottom-left, grey bottom-right (so, displayed upright:
// blue top-left, red top-right, grey bottom-left, green bottom-right). `secrets` are the byte
// strings that must not survive metadata stripping.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCommand } from './server.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The displayed quadrant colours of the phone photo (RGB), as a person sees it upright. */
export const UPRIGHT_QUADRANTS = {
  topLeft: [0, 0, 255], // blue
  topRight: [255, 0, 0], // red
  bottomLeft: [128, 128, 128], // grey
  bottomRight: [0, 255, 0], // green
};

/**
 * Runs `go run ./media/mediatest/phonephoto` once (from the repo root, at most timeoutMs) into a new
 * directory under the run's temporary dir; returns { bytes, secrets: { what: Buffer }, file }.
 */
export async function phonePhoto({ width = 800, height = 600, timeoutMs = 120_000 } = {}) {
  const parent = process.env.E2E_TMP || os.tmpdir();
  const dir = fs.mkdtempSync(path.join(parent, 'phonephoto-'));
  const file = path.join(dir, `phone-${width}x${height}.jpg`);
  const secretsFile = path.join(dir, 'secrets.json');
  const gen = path.join(repo, 'media', 'mediatest', 'phonephoto');
  if (!fs.existsSync(gen)) throw new Error(`${gen} is missing: the phone photo generator is not in this tree`);
  const args = ['run', './media/mediatest/phonephoto', '-width', String(width), '-height', String(height), '-o', file, '-secrets', secretsFile];
  await runCommand('go', args, { cwd: repo, timeoutMs, stdio: ['ignore', 'inherit', 'inherit'] });
  const bytes = fs.readFileSync(file);
  const json = JSON.parse(fs.readFileSync(secretsFile, 'utf8'));
  const secrets = Object.fromEntries(Object.entries(json).map(([what, b64]) => [what, Buffer.from(b64, 'base64')]));
  if (Object.keys(secrets).length === 0) throw new Error(`${secretsFile}: no secrets listed`);
  return { bytes, secrets, file };
}

/** The names of the secrets found in buf (none: it kept nothing it must not). */
export function secretsIn(buf, secrets) {
  return Object.entries(secrets).filter(([, s]) => s.length > 0 && buf.indexOf(s) >= 0).map(([what]) => what);
}

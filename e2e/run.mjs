#!/usr/bin/env node
// End-to-end runner: builds the Go server (go build from the repo root), starts it on a free
// loopback port with a fresh temporary data dir, waits for /readyz, runs the node:test files
// (api.test.mjs, browser.mjs, admin.test.mjs, renditions.test.mjs, srcset.test.mjs, …) against it, then stops it
// and removes the temporary dir — on every exit path. Exit code 0 only if everything passed.
//
//   node run.mjs [files…] [node --test options…]
//   env: MEDIAGRAPH_BIN=path (skip the build), E2E_SKIP_BROWSER=1, CHROMIUM=/usr/bin/chromium,
//        E2E_KEEP=1 (keep the temporary dir)
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, runCommand, startServer, stopServer, waitReady } from './lib/server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..');
const started = Date.now();
const TOTAL_MS = 5 * 60_000; // the whole run, build included (a one-time Chromium install is not counted)
const BUILD_MS = 180_000;
const READY_MS = 30_000;
const skipBrowser = process.env.E2E_SKIP_BROWSER === '1';
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';

const argv = process.argv.slice(2);
let files = argv.filter((a) => !a.startsWith('-'));
const testOpts = argv.filter((a) => a.startsWith('-'));
if (files.length === 0) {
  files = skipBrowser
    ? ['api.test.mjs', 'audit.test.mjs', 'refusals.test.mjs', 'renditions.test.mjs']
    : ['api.test.mjs', 'audit.test.mjs', 'refusals.test.mjs', 'browser.mjs', 'playgrounds.test.mjs', 'admin.test.mjs', 'renditions.test.mjs', 'srcset.test.mjs'];
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mediagraph-e2e-'));
const logFile = path.join(tmp, 'server.log');
let server = null;
let tests = null;
let helper = null; // go build / install.sh while it runs
let cleaning = null; // the one cleanup in progress (signal handler and main path share it)
let cleaned = false;
let interrupted = 0; // exit code after a signal

const log = (msg) => console.log(`[run] ${msg}`);

function printServerLog() {
  try {
    const text = fs.readFileSync(logFile, 'utf8');
    console.log(`----- server log (${logFile}) -----\n${text.length > 60_000 ? `…${text.slice(-60_000)}` : text}----- end of server log -----`);
  } catch {
    console.log('(no server log)');
  }
}

function cleanup() {
  cleaning ??= (async () => {
    for (const c of [tests, helper]) if (c && c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await stopServer(server);
    if (process.env.E2E_KEEP === '1') log(`kept ${tmp}`);
    else fs.rmSync(tmp, { recursive: true, force: true });
    cleaned = true;
  })();
  return cleaning;
}

// Last resort (an exception, process.exit elsewhere): synchronous kill and removal.
process.on('exit', () => {
  if (cleaned) return;
  try { tests?.kill('SIGKILL'); } catch {}
  try { helper?.kill('SIGKILL'); } catch {}
  try { if (server && !server.exited) server.child.kill('SIGKILL'); } catch {}
  if (process.env.E2E_KEEP !== '1') { try { fs.rmSync(tmp, { recursive: true, force: true }); } catch {} }
});
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, async () => {
    log(`${sig}: stopping`);
    interrupted = 128 + (os.constants.signals[sig] || 1);
    await cleanup();
    process.exit(interrupted);
  });
}

async function main() {
  // 0. Chromium for the browser test (one-time install; apt needs root).
  if (!skipBrowser && ['browser.mjs', 'playgrounds.test.mjs', 'admin.test.mjs', 'srcset.test.mjs'].some((f) => files.includes(f)) && !fs.existsSync(chromiumPath)) {
    log(`${chromiumPath} is missing: running install.sh`);
    await runCommand('sh', [path.join(here, 'install.sh')], { cwd: here, timeoutMs: 600_000, onSpawn: (c) => { helper = c; } });
  }
  const deadline = Date.now() + TOTAL_MS;

  // 1. Build.
  let bin = process.env.MEDIAGRAPH_BIN;
  if (bin) {
    bin = path.resolve(bin);
    log(`using prebuilt ${bin}`);
  } else {
    bin = path.join(tmp, 'mediagraph');
    log(`go build -o ${bin} . (in ${repo})`);
    const t0 = Date.now();
    await runCommand('go', ['build', '-o', bin, '.'], { cwd: repo, timeoutMs: BUILD_MS, onSpawn: (c) => { helper = c; } });
    log(`built in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  }

  // 2. Start on a free loopback port with a fresh data dir.
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = { ...process.env };
  for (const k of Object.keys(env)) {
    // nothing from the caller's environment may configure the server under test
    if (/^(API_TOKENS|PORT|CORS_ALLOWED_ORIGINS|CSRF_PREVENTION|MAX_[A-Z_]+|MIN_IMAGE_[A-Z]+|SWEEP_[A-Z]+|SHUTDOWN_TIMEOUT|RENDITIONS|RENDITION_[A-Z]+|IMAGE_METADATA|MEDIA_SIGNED_URLS)$/.test(k)) delete env[k];
  }
  Object.assign(env, {
    ADDR: `127.0.0.1:${port}`,
    // E2E_DATABASE_URL / E2E_STORAGE_URL (with E2E_MEDIA_DIR, where the stored files appear) run
    // the suite on another backend, e.g. PostgreSQL + S3 (see e2e_test.go).
    DATABASE_URL: process.env.E2E_DATABASE_URL || `sqlite:${path.join(tmp, 'mediagraph.db')}`,
    STORAGE_URL: process.env.E2E_STORAGE_URL || path.join(tmp, 'media'),
    MEDIA_URL: '/media/',
  });
  log(`starting server on ${base} (data in ${tmp}; database ${env.DATABASE_URL.replace(/:[^:@/]*@/, ':xxxxx@')}; storage ${env.STORAGE_URL})`);
  server = startServer(bin, { env, cwd: tmp, logFile });
  await waitReady(server, `${base}/readyz`, Math.min(READY_MS, deadline - Date.now()));
  log('server ready');

  // 3. Tests, in order, one file at a time (they share the server and its database).
  const remaining = deadline - Date.now() - 10_000;
  if (remaining <= 0) throw new Error('no time left for the tests (5 min budget)');
  const nodeArgs = ['--test', '--test-reporter=spec', '--test-concurrency=1', '--test-timeout=60000', ...testOpts, ...files];
  log(`node ${nodeArgs.join(' ')}`);
  const code = await new Promise((resolve) => {
    tests = spawn(process.execPath, nodeArgs, {
      cwd: here,
      stdio: 'inherit',
      env: { ...process.env, MEDIAGRAPH_URL: base, MEDIAGRAPH_FRESH: '1', MEDIAGRAPH_MEDIA_DIR: process.env.E2E_MEDIA_DIR || path.join(tmp, 'media'), E2E_TMP: tmp, CHROMIUM: chromiumPath, MEDIAGRAPH_BIN: bin },
    });
    const timer = setTimeout(() => { log(`tests exceeded ${Math.round(remaining / 1000)}s: killing them`); tests.kill('SIGKILL'); }, remaining);
    tests.on('exit', (c, s) => { clearTimeout(timer); resolve(c ?? (s ? 1 : 0)); });
    tests.on('error', (e) => { clearTimeout(timer); log(`cannot run node --test: ${e.message}`); resolve(1); });
  });
  if (server.exited) {
    log(`the server exited during the tests: ${JSON.stringify(server.exited)}`);
    return 1;
  }
  return code;
}

let exitCode = 1;
try {
  exitCode = await main();
} catch (err) {
  log(`FAILED: ${err.message}`);
  exitCode = 1;
}
if (exitCode !== 0) printServerLog();
await cleanup();
if (interrupted) exitCode = interrupted;
log(`${exitCode === 0 ? 'PASS' : 'FAIL'} in ${((Date.now() - started) / 1000).toFixed(1)}s`);
process.exit(exitCode);

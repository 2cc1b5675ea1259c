// Build, start, wait for and stop the Go server under test, with a fresh temporary data dir.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** A free loopback port: listen on 127.0.0.1:0, read the port, close. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Run a command to completion with a time limit; output goes to the given fd/stream. */
export function runCommand(cmd, args, { cwd, env = process.env, timeoutMs, stdio = 'inherit', onSpawn }) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio });
    onSpawn?.(child);
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutMs);
    child.on('error', (err) => { clearTimeout(timer); reject(err); });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) reject(new Error(`${cmd} ${args.join(' ')}: timed out after ${timeoutMs / 1000}s`));
      else if (code !== 0) reject(new Error(`${cmd} ${args.join(' ')}: exit ${code ?? signal}`));
      else resolve();
    });
  });
}

/** Start the server binary; its stdout and stderr go to logFile. */
export function startServer(bin, { env, cwd, logFile }) {
  const fd = fs.openSync(logFile, 'a');
  const child = spawn(bin, [], { cwd, env, stdio: ['ignore', fd, fd] });
  fs.closeSync(fd);
  const state = { child, exited: null };
  child.on('exit', (code, signal) => { state.exited = { code, signal }; });
  child.on('error', (err) => { state.exited = { error: err }; });
  return state;
}

/** Poll GET url every 100 ms until it answers 200, at most timeoutMs; fail early if the server exits. */
export async function waitReady(state, url, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (state.exited) throw new Error(`server exited before it was ready: ${JSON.stringify(state.exited)}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await res.arrayBuffer().catch(() => {});
      if (res.status === 200) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err.cause?.code || err.name || String(err);
    }
    await sleep(100);
  }
  throw new Error(`GET ${url} not 200 within ${timeoutMs / 1000}s (last: ${last})`);
}

/** SIGTERM, then SIGKILL after graceMs; resolves once the process is gone. */
export async function stopServer(state, graceMs = 5_000) {
  if (!state || state.exited || state.child.exitCode !== null || state.child.signalCode !== null) return;
  const gone = new Promise((r) => state.child.once('exit', r));
  state.child.kill('SIGTERM');
  const timer = setTimeout(() => { if (!state.exited) state.child.kill('SIGKILL'); }, graceMs);
  await Promise.race([gone, sleep(graceMs + 2_000)]);
  clearTimeout(timer);
}

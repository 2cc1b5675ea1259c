// GraphQL over HTTP: the graphql-http audit suite (serverAudits) against the server under test
// must report 0 errors and 0 warnings (DESIGN.md).
import test from 'node:test';
import assert from 'node:assert/strict';
import { serverAudits } from 'graphql-http';
import { baseURL, timedFetch } from './lib/client.mjs';

test('graphql-http serverAudits: no error, no warning', async () => {
  const fetchFn = timedFetch(10_000);
  const bad = [];
  let count = 0;
  for (const audit of serverAudits({ url: `${baseURL()}/query`, fetchFn })) {
    const r = await audit.fn();
    count++;
    if (r.status === 'error' || r.status === 'warn') {
      let status = '';
      try { status = ` [HTTP ${r.response.status} ${await r.response.text()}]`.slice(0, 300); } catch {}
      bad.push(`${r.status} ${r.id} ${r.name}: ${r.reason}${status}`);
    }
  }
  assert.ok(count > 50, `only ${count} audits ran`);
  assert.deepEqual(bad, [], `audits failed:\n${bad.join('\n')}`);
});

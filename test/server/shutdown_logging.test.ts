/** Graceful shutdown keeps every acknowledged write; request logs carry ids and never secrets. */
import { describe, expect, it } from '@jest/globals';
import { createLogger } from '../../server/log.js';
import { api, startTestServer } from '../support/server.js';

describe('graceful shutdown', () => {
  it('finishes in-flight writes: everything acknowledged is there after a restart', async () => {
    const server = await startTestServer();
    const refusals: number[] = [];
    const writes = Array.from({ length: 40 }, (_, i) =>
      api(server, 'PUT', `/v1/sys/policies/acl/inflight-${i}`, { policy: `path "p/${i}" { capabilities = ["read"] }` }).then(
        (res) => {
          if (res.status === 204) return i;
          refusals.push(res.status);
          return undefined;
        },
        () => undefined,
      ),
    );
    // Stop as soon as the first write is acknowledged: the others are in flight, queued behind it.
    await Promise.race(writes);
    const stopping = server.stop();
    const acknowledged = (await Promise.all(writes)).filter((i): i is number => i !== undefined);
    await stopping;
    expect(acknowledged.length).toBeGreaterThan(1);
    // A write that reached a closing store is refused as retryable (503), never as a server fault.
    for (const status of refusals) expect(status).toBe(503);

    const again = await startTestServer({ dataDir: server.dataDir });
    try {
      for (const i of acknowledged) {
        expect((await api(again, 'GET', `/v1/sys/policies/acl/inflight-${i}`)).status).toBe(200);
      }
    } finally {
      await again.destroy();
    }
  });
});

describe('request logging', () => {
  it('writes one JSON line per request with a request id and no secret', async () => {
    const lines: string[] = [];
    const server = await startTestServer({ log: createLogger({ format: 'json', level: 'debug', write: (line) => lines.push(line) }) });
    try {
      await api(server, 'PUT', '/v1/auth/userpass/users/logcheck', { password: 'Sup3r-Secret-Pw', token_policies: 'default' });
      const login = await api(server, 'POST', '/v1/auth/userpass/login/logcheck', { password: 'Sup3r-Secret-Pw' }, null);
      const token = login.body.auth.client_token as string;
      await api(server, 'GET', '/v1/auth/token/lookup-self?token=' + token, undefined, token);
      await api(server, 'GET', '/v1/sys/policies/acl/default', undefined, 'lys.forged-token-value');
      const requests = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'request');
      expect(requests.length).toBeGreaterThanOrEqual(4);
      for (const entry of requests) {
        expect(entry.request_id).toMatch(/^[0-9a-f-]{36}$/);
        expect(typeof entry.status).toBe('number');
      }
      const all = lines.join('\n');
      for (const secret of ['Sup3r-Secret-Pw', token, server.rootToken, 'lys.forged-token-value']) expect(all).not.toContain(secret);
    } finally {
      await server.destroy();
    }
  });
});

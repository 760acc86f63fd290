import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, envName, loadConfig } from '../../server/config.js';

const problemsOf = (fn: () => unknown): readonly string[] => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
};

describe('server configuration', () => {
  it('uses the contract defaults in dev mode', () => {
    const config = loadConfig({ dev: true }, {});
    expect(config.listen).toEqual({ host: '127.0.0.1', port: 8200 });
    expect(config.apiAddr).toBe('http://127.0.0.1:8200');
    expect(config.dataDir).toBeUndefined();
    expect(config.allowPrivateNetwork).toBe(true);
    expect(config.maxRequestBytes).toBe(32 * 1024 * 1024);
  });

  it('derives api-addr from --listen and strips a trailing slash from an explicit one', () => {
    expect(loadConfig({ dev: true, listen: '127.0.0.1:9000' }, {}).apiAddr).toBe('http://127.0.0.1:9000');
    expect(loadConfig({ dev: true, 'api-addr': 'https://id.example.com/' }, {}).apiAddr).toBe('https://id.example.com');
    expect(loadConfig({ dev: true, listen: '[::1]:8200' }, {}).apiAddr).toBe('http://[::1]:8200');
  });

  it('reads LANYARD_* variables, and flags win over them', () => {
    const env = { [envName('data-dir')]: '/tmp/x', [envName('listen')]: '0.0.0.0:1234', LANYARD_DEV: 'true' };
    const config = loadConfig({ listen: '127.0.0.1:4321' }, env);
    expect(config.dataDir).toBe('/tmp/x');
    expect(config.dev).toBe(true);
    expect(config.listen.port).toBe(4321);
  });

  it('reads a JSON config file with snake_case keys; env wins over the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lanyard-config-'));
    const file = join(dir, 'lanyard.json');
    writeFileSync(file, JSON.stringify({ data_dir: '/srv/lanyard', api_addr: 'https://a.example', default_token_ttl: '1h' }));
    const config = loadConfig({ config: file }, { LANYARD_API_ADDR: 'https://b.example' });
    expect(config.dataDir).toBe('/srv/lanyard');
    expect(config.apiAddr).toBe('https://b.example');
    expect(config.defaultTokenTtl).toBe(3600);
  });

  it('reports every problem at once', () => {
    const problems = problemsOf(() =>
      loadConfig(
        {
          listen: 'nope',
          'api-addr': 'ftp://x',
          'trusted-proxies': '10.0.0.0/8,not-an-ip',
          'max-request-size': '12',
          'default-token-ttl': '2h',
          'max-token-ttl': '1h',
          'log-level': 'loud',
          'dev-root-token': 'abc',
        },
        {},
      ),
    );
    const text = problems.join('\n');
    for (const fragment of ['listen:', 'api-addr:', 'not-an-ip', 'max-request-size', 'default-token-ttl', 'log-level', 'data-dir: required', 'dev-root-token: only allowed']) {
      expect(text).toContain(fragment);
    }
    expect(problems.length).toBeGreaterThanOrEqual(8);
  });

  it('rejects unknown keys and non-objects in the config file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lanyard-config-'));
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ dev: true, colour: 'blue' }));
    expect(problemsOf(() => loadConfig({ config: file }, {})).join()).toContain('unknown setting "colour"');
    writeFileSync(file, '[1,2]');
    expect(problemsOf(() => loadConfig({ config: file, dev: true }, {})).join()).toContain('must hold a JSON object');
    expect(problemsOf(() => loadConfig({ config: join(dir, 'missing.json'), dev: true }, {})).join()).toContain('missing.json');
  });
});

/** The PostgreSQL settings of `lanyard server`: defaults, sources, and every mistake reported at once. */
import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from '../../server/config.js';

const problemsOf = (flags: Record<string, unknown>, env: NodeJS.ProcessEnv = {}): readonly string[] => {
  try {
    loadConfig(flags, env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
};

describe('database settings', () => {
  it('defaults to the embedded store, as before', () => {
    const config = loadConfig({ 'data-dir': '/tmp/x' }, {});
    expect(config).toMatchObject({ storage: 'embedded', database: undefined, sealKey: undefined });
  });

  it('takes postgres settings from the environment, needs no data dir, and fills in defaults', () => {
    const config = loadConfig({}, {
      LANYARD_STORAGE: 'postgres',
      LANYARD_DATABASE_URL: 'postgres://lanyard@db:5432/lanyard?sslmode=verify-full',
      LANYARD_SEAL_KEY: Buffer.alloc(32, 7).toString('base64'),
    });
    expect(config.storage).toBe('postgres');
    expect(config.dataDir).toBeUndefined();
    expect(config.database).toEqual({
      url: 'postgres://lanyard@db:5432/lanyard?sslmode=verify-full',
      schema: 'public',
      poolSize: 10,
      statementTimeoutMs: 5000,
      migrate: true,
    });
  });

  it('reads pool size, statement timeout, schema and migrate from flags', () => {
    const config = loadConfig({
      storage: 'postgres',
      'database-url': 'postgresql://db/lanyard',
      'seal-key-file': '/run/secrets/seal.key',
      'database-pool-size': '25',
      'database-statement-timeout': '30s',
      'database-schema': 'lanyard_prod',
      'database-migrate': 'false',
    }, {});
    expect(config.database).toEqual({ url: 'postgresql://db/lanyard', schema: 'lanyard_prod', poolSize: 25, statementTimeoutMs: 30_000, migrate: false });
  });

  it('reports every mistake at once', () => {
    expect(problemsOf({ storage: 'postgres', 'database-pool-size': '1', 'database-schema': 'Bad-Name', 'database-migrate': 'maybe' })).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^database-url: required with storage postgres/),
        expect.stringMatching(/^seal-key-file: required with storage postgres, the same key on every replica/),
        expect.stringMatching(/^database-pool-size: expected a whole number from 2 to 1000/),
        expect.stringMatching(/^database-schema: /),
        expect.stringMatching(/^database-migrate: expected true or false/),
      ]),
    );
    expect(problemsOf({ storage: 'mysql', 'data-dir': '/tmp/x' })).toEqual([expect.stringMatching(/^storage: expected embedded or postgres/)]);
    expect(problemsOf({ 'data-dir': '/tmp/x', 'database-url': 'postgres://db/x' })).toEqual(['database-url: only used with storage postgres']);
    expect(problemsOf({ storage: 'postgres', 'database-url': 'mysql://db/x', 'seal-key': 'c2hvcnQ=' })).toEqual(
      expect.arrayContaining([expect.stringMatching(/^database-url: expected a postgres/), expect.stringMatching(/^seal-key: expected 32 bytes/)]),
    );
  });
});

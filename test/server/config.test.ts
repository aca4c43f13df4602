import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, envSchema, loadConfig } from '../../server/src/config.js';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig({});
    expect(c.http.port).toBe(8000);
    expect(c.db.url).toBe('postgres://127.0.0.1:5432/faultline');
    expect(c.redis.url).toBe('redis://127.0.0.1:6379');
    expect(c.role).toBe('all');
    expect(Object.isFrozen(c.http)).toBe(true);
  });

  it('names every bad variable in one error', () => {
    let err: unknown;
    try {
      loadConfig({ PORT: 'eighty', REDIS_URL: 'not a url', ROLE: 'boss' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    for (const name of ['PORT', 'REDIS_URL', 'ROLE']) expect(msg).toContain(name);
  });

  it('puts the ingest spool under the working directory, bounded by SPOOL_MAX_MB (0: off)', () => {
    expect(loadConfig({}).spool).toEqual({ dir: path.resolve('spool'), maxBytes: 1024 * 1024 * 1024 });
    expect(loadConfig({ SPOOL_DIR: '/var/spool/faultline', SPOOL_MAX_MB: '0' }).spool).toEqual({
      dir: '/var/spool/faultline',
      maxBytes: 0,
    });
    expect(() => loadConfig({ SPOOL_MAX_MB: '-1' })).toThrow(/SPOOL_MAX_MB/);
  });

  it("sets ingest's linger (INGEST_LINGER_MS) from 0 to 100 ms, 5 by default", () => {
    expect(loadConfig({}).ingest.lingerMs).toBe(5);
    expect(loadConfig({ INGEST_LINGER_MS: '0' }).ingest.lingerMs).toBe(0);
    expect(loadConfig({ INGEST_LINGER_MS: '12' }).ingest.lingerMs).toBe(12);
    expect(() => loadConfig({ INGEST_LINGER_MS: '101' })).toThrow(/INGEST_LINGER_MS/);
  });

  it('gives the API pool DATABASE_URL unless API_DATABASE_URL names another (e.g. a role behind PgBouncer)', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://db:5432/f' }).db.apiUrl).toBe('postgres://db:5432/f');
    const c = loadConfig({
      DATABASE_URL: 'postgres://db:5432/f',
      API_DATABASE_URL: 'postgres://faultline_api@bouncer:6432/f',
    });
    expect(c.db.apiUrl).toBe('postgres://faultline_api@bouncer:6432/f');
    expect(c.db.url).toBe('postgres://db:5432/f'); // the worker and migrations keep DATABASE_URL
    expect(() => loadConfig({ API_DATABASE_URL: 'not a url' })).toThrow(/API_DATABASE_URL/);
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ BASE_URL: '', PORT: '9000' }).http.baseUrl).toBe('http://127.0.0.1:9000');
  });

  it('every variable is in the README config table', () => {
    const readme = readFileSync(path.resolve(import.meta.dirname, '../../README.md'), 'utf8');
    const missing = Object.keys(envSchema.shape).filter((k) => !readme.includes(`| \`${k}\``));
    expect(missing).toEqual([]);
  });
});

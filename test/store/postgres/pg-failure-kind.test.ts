import { describe, expect, it } from 'vitest';
import { pgFailureKind, pgRootError } from '../../../src/store/postgres/pool.js';

const err = (message: string, code?: string, cause?: unknown): Error =>
  Object.assign(new Error(message, cause === undefined ? undefined : { cause }), code ? { code } : {});

describe('pgFailureKind: unreachable is not damaged', () => {
  it('calls a server that cannot be reached or will not let us in unreachable', () => {
    for (const e of [
      err('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED'),
      err('connect ENOENT /run/nowhere/.s.PGSQL.5432', 'ENOENT'),
      err('getaddrinfo ENOTFOUND db-host', 'ENOTFOUND'),
      err('connect ETIMEDOUT 10.0.0.9:5432', 'ETIMEDOUT'),
      err('Connection terminated due to connection timeout'),
      err('Connection terminated unexpectedly'),
      err('password authentication failed for user "cfa"', '28P01'),
      err('no pg_hba.conf entry for host', '28000'),
      err('database "cfa" does not exist', '3D000'),
      err('the database system is shutting down', '57P03'),
      err('terminating connection due to administrator command', '57P01'),
      err('connection failure', '08006'),
    ]) expect(pgFailureKind(e), e.message).toBe('unreachable');
  });

  it('calls data the server read and found broken damaged, and anything else other', () => {
    expect(pgFailureKind(err('invalid page in block 7 of relation base/16384/16385', 'XX001'))).toBe('damaged');
    expect(pgFailureKind(err('could not read block 3', '58030'))).toBe('damaged');
    expect(pgFailureKind(err('permission denied for table candles', '42501'))).toBe('other');
    expect(pgFailureKind(err('relation "candles" does not exist', '42P01'))).toBe('other');
    expect(pgFailureKind(new Error('no code'))).toBe('other');
    expect(pgFailureKind(null)).toBe('other');
    expect(pgFailureKind('a string')).toBe('other');
  });

  it('looks through the errors a message wraps, and finds the one that says what happened', () => {
    const refused = err('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED');
    const wrapped = err('cannot reach the PostgreSQL store at postgresql://cfa:***@127.0.0.1:1/cfa', undefined, refused);
    expect(pgFailureKind(wrapped)).toBe('unreachable');
    expect(pgRootError(wrapped)).toBe(refused);
    expect(pgRootError(new Error('plain'))).toBeInstanceOf(Error);
  });
});

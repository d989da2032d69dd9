import { describe, expect, it } from 'vitest';
import { lockLostMessage, nextRetakeStep, RETAKE_EVERY_MS, RETAKE_WINDOW_MS } from '../../src/engine/lock-retake.js';

const me = 'holder-me';
const other = { holderId: 'holder-b', host: 'host-b', pid: 1234 };

describe('nextRetakeStep: what to do after one attempt to take a lost job lock again', () => {
  it('is re-taken whenever the attempt took it, even at the end of the window', () => {
    expect(nextRetakeStep({ kind: 'taken' }, 0, me)).toEqual({ do: 'retaken' });
    expect(nextRetakeStep({ kind: 'taken' }, RETAKE_WINDOW_MS + 5000, me)).toEqual({ do: 'retaken' });
  });

  it('stops at once when another holder has it, naming it, however early', () => {
    expect(nextRetakeStep({ kind: 'held', holder: other }, 10, me)).toEqual({ do: 'stop', why: 'other-holder', holder: other });
  });

  it('retries every RETAKE_EVERY_MS while PostgreSQL is away, our lost session is still listed, or the holder has not said who it is', () => {
    expect(nextRetakeStep({ kind: 'error', message: 'ECONNREFUSED' }, 3000, me)).toEqual({ do: 'retry', inMs: RETAKE_EVERY_MS });
    expect(nextRetakeStep({ kind: 'held', holder: { ...other, holderId: me } }, 100, me)).toEqual({ do: 'retry', inMs: RETAKE_EVERY_MS });
    expect(nextRetakeStep({ kind: 'held', holder: null }, 100, me)).toEqual({ do: 'retry', inMs: RETAKE_EVERY_MS });
  });

  it('gives up once the next try would fall after the window, saying what was last in the way', () => {
    expect(nextRetakeStep({ kind: 'error', message: 'ECONNREFUSED' }, RETAKE_WINDOW_MS - RETAKE_EVERY_MS, me)).toEqual({ do: 'retry', inMs: RETAKE_EVERY_MS });
    expect(nextRetakeStep({ kind: 'error', message: 'ECONNREFUSED' }, RETAKE_WINDOW_MS - RETAKE_EVERY_MS + 1, me))
      .toEqual({ do: 'stop', why: 'gave-up', lastProblem: 'ECONNREFUSED' });
    expect(nextRetakeStep({ kind: 'held', holder: null }, 5000, me, 4000, 500)).toMatchObject({ do: 'stop', why: 'gave-up', lastProblem: 'another process held it without saying who' });
    expect(nextRetakeStep({ kind: 'held', holder: { ...other, holderId: me } }, 5000, me, 4000, 500)).toMatchObject({ do: 'stop', why: 'gave-up' });
  });
});

describe('lockLostMessage', () => {
  it('names the lock and the other holder\'s host and PID', () => {
    expect(lockLostMessage('sync', { do: 'stop', why: 'other-holder', holder: other }))
      .toBe('lost the sync lock: host host-b (PID 1234) took it while PostgreSQL was away; this run stopped so that two hosts never run sync at once');
  });

  it('says how long it was tried and what was in the way when nobody is known to hold it', () => {
    expect(lockLostMessage('backup', { do: 'stop', why: 'gave-up', lastProblem: 'connect ECONNREFUSED 127.0.0.1:5432' }))
      .toBe('lost the backup lock: it could not be taken again within 30 s of its connection ending (connect ECONNREFUSED 127.0.0.1:5432); this run stopped so that two hosts never run backup at once');
  });
});

import { describe, expect, it } from 'vitest';
import { onlyIndexProblems } from '../../src/backup/diagnose.js';
import { recoveryCandidates, restoreCandidates } from '../../src/backup/selection.js';
import type { BackupEntry } from '../../src/backup/catalog.js';

const H = 3_600_000;
function e(id: number, tier: BackupEntry['tier'], createdAt: number, sha256: string, result: BackupEntry['result'] = 'verified', deletedAt: number | null = null) {
  return { id, tier, createdAt, sha256, result, deletedAt };
}

describe('which backup a restore or a recovery uses', () => {
  const entries = [
    e(1, 'hot', 0, 'a'), e(2, 'warm', 0, 'a'), e(3, 'offsite', 0, 'a'),
    e(4, 'hot', 24 * H, 'b'), e(5, 'warm', 24 * H, 'b'), e(6, 'offsite', 24 * H, 'b'),
    e(7, 'hot', 48 * H, 'c', 'failed'), e(8, 'warm', 48 * H, 'c', 'verified', 49 * H),
  ];

  it('--latest: the newest usable snapshot, its copies as fallbacks in hot, warm, offsite order', () => {
    expect(restoreCandidates(entries).map((x) => x.id)).toEqual([4, 5, 6]);
  });

  it('--before: the newest usable snapshot at or before the cutoff', () => {
    expect(restoreCandidates(entries, 23 * H).map((x) => x.id)).toEqual([1, 2, 3]);
    expect(restoreCandidates(entries, -1)).toEqual([]);
  });

  it('recover: tier by tier, newest first, never failed or deleted copies', () => {
    expect(recoveryCandidates(entries).map((x) => x.id)).toEqual([4, 1, 5, 2, 6, 3]);
  });
});

describe('index-only damage', () => {
  it('is recognised only when every problem names an index', () => {
    expect(onlyIndexProblems(['row 2 missing from index sqlite_autoindex_known_gaps_1', 'wrong # of entries in index sqlite_autoindex_known_gaps_1'])).toBe(true);
    expect(onlyIndexProblems(['non-unique entry in index idx_x'])).toBe(true);
    expect(onlyIndexProblems(['row 2 missing from index i', '*** in database main ***\nPage 12: btreeInitPage() returns error code 11'])).toBe(false);
    expect(onlyIndexProblems(['Tree 3 page 7 cell 0: invalid page number 9999'])).toBe(false);
    expect(onlyIndexProblems([])).toBe(false);
  });
});

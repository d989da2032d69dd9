import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { HealthRefresher } from '../../src/health/health-refresher.js';
import { MarketStore } from '../../src/store/market-db.js';
import { tempDir } from '../helpers/temp-dir.js';
import { corruptMiddlePage, DAY, writeSeries } from './helpers.js';

describe('HealthRefresher', () => {
  it('runs the integrity check at most once a window and carries its verdict in between', () => {
    const dataDir = tempDir();
    const store = MarketStore.open(dataDir);
    const now = Date.UTC(2026, 6, 1);
    writeSeries(store, 'BTCUSDT', '1d', now - 10 * DAY, now - 2 * DAY);
    store.close();
    const config = { ...configSchema.parse({ symbols: ['BTCUSDT'], intervals: ['1d'] }), dataDir };
    const refresher = new HealthRefresher(config, 60_000);

    const first = refresher.refresh(now);
    expect(first.probes.find((p) => p.id === 'integrity')).toMatchObject({ status: 'ok' });

    // Corrupt the file: a fresh check would see it, the carried verdict does not until the window ends.
    corruptMiddlePage(path.join(dataDir, 'market.db'));
    const carried = refresher.refresh(now + 30_000);
    expect(carried.probes.filter((p) => p.id === 'integrity')).toHaveLength(1);
    expect(carried.probes.find((p) => p.id === 'integrity')!.status).toBe('ok');

    const checked = refresher.refresh(now + 61_000);
    expect(checked.probes.find((p) => p.id === 'integrity')!.status).toBe('critical');
    expect(checked.overall).toBe('critical');
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hostName } from '../../src/common/host-name.js';
import { ConfigError } from '../../src/config/config-error.js';
import { getConfigValue, setConfigValue } from '../../src/config/config-values.js';
import { DEFAULT_SYMBOLS } from '../../src/config/default-symbols.js';
import { loadConfig, validateConfigFile } from '../../src/config/load-config.js';
import { redactSecrets } from '../../src/config/redact.js';
import { tempDir } from '../helpers/temp-dir.js';

function configFile(content: unknown): string {
  const file = path.join(tempDir(), 'cfa.json');
  fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

describe('loadConfig', () => {
  it('gives the defaults of the design when the file is empty', () => {
    const { config } = loadConfig({ configPath: configFile({}) }, {});
    expect(config.symbols).toHaveLength(60);
    expect(config.symbols).toEqual(DEFAULT_SYMBOLS);
    expect(new Set(config.symbols).size).toBe(60);
    expect(config.intervals).toEqual(['15m', '1h', '4h', '1d']);
    expect(config.exchange.weightBudget).toBe(480);
    expect(config.exchange.url).toBe('https://fapi.binance.com');
    expect(config.exchange.retry.transport.delaysMs).toEqual([1000, 2000, 4000]);
    expect(config.sync.timeout).toBe('30m');
    expect(path.isAbsolute(config.dataDir)).toBe(true);
  });

  it('lets flags beat the environment and the environment beat the file', () => {
    const file = configFile({ dataDir: '/from/file', exchange: { url: 'http://127.0.0.1:1/file' } });
    const env = { CFA_DATA_DIR: '/from/env', CFA_EXCHANGE_URL: 'http://127.0.0.1:2/env' };
    expect(loadConfig({ configPath: file }, {}).config.dataDir).toBe('/from/file');
    expect(loadConfig({ configPath: file }, env).config.dataDir).toBe('/from/env');
    expect(loadConfig({ configPath: file }, env).config.exchange.url).toBe('http://127.0.0.1:2/env');
    const flagged = loadConfig({ configPath: file, dataDir: '/from/flag', exchangeUrl: 'http://127.0.0.1:3/' }, env).config;
    expect(flagged.dataDir).toBe('/from/flag');
    expect(flagged.exchange.url).toBe('http://127.0.0.1:3/');
    expect(loadConfig({}, { CFA_CONFIG: file }).config.dataDir).toBe('/from/file');
  });

  it('refuses a bad value naming the key, the value and what would be right', () => {
    const file = configFile({ exchange: { weightBudget: 5000 }, intervals: ['1h', '7m'] });
    let error: unknown;
    try { loadConfig({ configPath: file }, {}); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain(file);
    expect(message).toMatch(/exchange\.weightBudget = 5000: .*2400/);
    expect(message).toMatch(/intervals\.1 = "7m": an interval is one of 1m, .*15m.*1d/);
  });

  it('names unknown keys and refuses a file that is not JSON', () => {
    expect(() => loadConfig({ configPath: configFile({ exchnage: {} }) }, {})).toThrow(/unknown key exchnage/);
    expect(() => loadConfig({ configPath: configFile('{ not json') }, {})).toThrow(/not valid JSON/);
    expect(() => loadConfig({ configPath: configFile({}), exchangeUrl: 'ftp://x' }, {})).toThrow(/exchange\.url = "ftp:\/\/x"/);
  });
});

describe('config values', () => {
  it('sets a value only when the whole file stays valid, and reads it back', () => {
    const file = configFile({});
    const loaded = loadConfig({ configPath: file }, {});
    setConfigValue(loaded.store, loaded.config, 'sync.backfillDays', '30');
    setConfigValue(loaded.store, loaded.config, 'symbols', 'BTCUSDT,ETHUSDT');
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ sync: { backfillDays: 30 }, symbols: ['BTCUSDT', 'ETHUSDT'] });
    expect(() => setConfigValue(loaded.store, loaded.config, 'sync.backfillDays', '-3')).toThrow(/sync\.backfillDays = -3/);
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).sync.backfillDays).toBe(30);
    const reloaded = loadConfig({ configPath: file }, {}).config;
    expect(getConfigValue(reloaded, 'sync.backfillDays')).toBe(30);
    expect(() => getConfigValue(reloaded, 'sync.nope')).toThrow(/unknown config key "sync.nope"/);
  });

  it('sets store.backend postgres when CFA_STORE_URL holds the URL, and keeps the URL out of the file', () => {
    const file = configFile({});
    const loaded = loadConfig({ configPath: file }, {});
    expect(() => setConfigValue(loaded.store, loaded.config, 'store.backend', 'postgres', {})).toThrow(/no store\.url is set \(or CFA_STORE_URL\)/);
    const env = { CFA_STORE_URL: 'postgresql://cfa:s3cretpass@db:5432/cfa' };
    setConfigValue(loaded.store, loaded.config, 'store.backend', 'postgres', env);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ store: { backend: 'postgres' } });
    expect(validateConfigFile(file, env)).toBe(file);
    expect(() => validateConfigFile(file, {})).toThrow(/no store\.url is set/);
  });

  it('validates a file alone', () => {
    expect(validateConfigFile(configFile({ sync: { concurrency: 4 } }), {})).toMatch(/cfa\.json$/);
    expect(() => validateConfigFile(configFile({ sync: { timeout: 'soon' } }), {})).toThrow(/sync\.timeout = "soon": a duration/);
  });
});

describe('redactSecrets', () => {
  it('masks values under secret-looking keys at any depth', () => {
    const out = redactSecrets({ alerts: { slack: { webhookUrl: 'https://hooks.example/T000/B000/XXXXSECRET' }, telegram: { botToken: 'abc' } }, exchange: { url: 'http://x' } });
    expect(JSON.stringify(out)).not.toContain('XXXXSECRET'.slice(0, 6));
    expect(out.alerts.slack.webhookUrl).toMatch(/^•+CRET$/);
    expect(out.alerts.telegram.botToken).toBe('••••••');
    expect(out.exchange.url).toBe('http://x');
  });
});

describe('a bad secret value', () => {
  it('is named by its key but never echoed', () => {
    const file = configFile({ alerts: { channels: { slack: { webhookUrl: 'not-a-url-CANARY-7731' } } } });
    let message = '';
    try { loadConfig({ configPath: file }, {}); } catch (e) { message = (e as Error).message; }
    expect(message).toContain('alerts.channels.slack.webhookUrl');
    expect(message).not.toContain('CANARY');
  });
});

describe('store settings', () => {
  it('keeps SQLite as the default and takes the PostgreSQL URL from CFA_STORE_URL', () => {
    expect(loadConfig({ configPath: configFile({}) }, {}).config.store).toEqual({ backend: 'sqlite', poolSize: 5 });
    const env = { CFA_STORE_URL: 'postgresql://cfa:s3cretpass@db:5432/cfa' };
    const { config } = loadConfig({ configPath: configFile({ store: { backend: 'postgres' } }) }, env);
    expect(config.store).toMatchObject({ backend: 'postgres', url: env.CFA_STORE_URL });
    expect(JSON.stringify(redactSecrets(config))).not.toContain('s3cretpass');
    expect(JSON.stringify(redactSecrets({ store: { url: 'postgresql:///cfa?host=/run/pg&password=s3cretpass' } }))).not.toContain('s3cretpass');
  });

  it('refuses postgres without a URL, and a URL that is not PostgreSQL, without printing the password', () => {
    expect(() => loadConfig({ configPath: configFile({ store: { backend: 'postgres' } }) }, {})).toThrow(/store\.url.*no store\.url is set \(or CFA_STORE_URL\)/);
    let message = '';
    try { loadConfig({ configPath: configFile({ store: { url: 'mysql://cfa:s3cretpass@db/cfa' } }) }, {}); } catch (e) { message = (e as Error).message; }
    expect(message).toMatch(/store\.url = "mysql:\/\/cfa:••••••@db\/cfa": store\.url is a PostgreSQL URL/);
    expect(() => loadConfig({ configPath: configFile({ store: { backend: 'mongo' } }) }, {})).toThrow(/store\.backend = "mongo": store\.backend is 'sqlite' \(the default\) or 'postgres'/);
  });
});

describe('the host name (engine.host, CFA_HOST)', () => {
  it('takes CFA_HOST over the file, and refuses a name with spaces, naming the key', () => {
    expect(loadConfig({ configPath: configFile({}) }, {}).config.engine.host).toBeUndefined();
    expect(loadConfig({ configPath: configFile({ engine: { host: 'cfa-a' } }) }, {}).config.engine.host).toBe('cfa-a');
    expect(loadConfig({ configPath: configFile({ engine: { host: 'cfa-a' } }) }, { CFA_HOST: 'cfa-b' }).config.engine.host).toBe('cfa-b');
    expect(() => loadConfig({ configPath: configFile({}) }, { CFA_HOST: 'two words' })).toThrow(/engine\.host = "two words": engine\.host is a host name such as/);
  });

  it('resolves to the configured name, else CFA_HOST, else the machine name', () => {
    expect(hostName('cfa-a', { CFA_HOST: 'cfa-b' })).toBe('cfa-a');
    expect(hostName(undefined, { CFA_HOST: 'cfa-b' })).toBe('cfa-b');
    expect(hostName(undefined, {})).toBe(os.hostname());
  });
});

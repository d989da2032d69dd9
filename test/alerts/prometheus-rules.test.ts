import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { promAlertName, promDuration, prometheusRules, prometheusRulesYaml } from '../../src/alerts/prometheus-rules.js';
import { RULES } from '../../src/alerts/rules.js';
import { configSchema } from '../../src/config/schema.js';
import { tempDir } from '../helpers/temp-dir.js';

const RULES_FILE = path.resolve('prometheus/alert-rules.yml');
const TEST_FILE = path.resolve('prometheus/alert-rules.test.yml');

function promtool(): string | null {
  const found = spawnSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : null;
}

const PROMTOOL = promtool();
/** Said in the test's name when it is skipped, so the report tells why. */
const skipped = PROMTOOL ? '' : ' (skipped: promtool is not installed; apt-get install prometheus, as .ci/run does)';

describe('Prometheus rules', () => {
  it('the committed prometheus/alert-rules.yml is what the default config generates', () => {
    // Regenerate with: cfa-console --config /dev/null export prometheus-rules --output prometheus/alert-rules.yml
    expect(fs.readFileSync(RULES_FILE, 'utf8')).toBe(prometheusRulesYaml(configSchema.parse({})));
  });

  it('has one Prometheus rule per built-in rule, with the same severity, runbook and `for`', () => {
    const rules = prometheusRules(configSchema.parse({}));
    expect(rules.map((r) => r.labels.rule)).toEqual(RULES.map((r) => r.id));
    for (const r of rules) {
      const builtIn = RULES.find((b) => b.id === r.labels.rule)!;
      expect(r.alert).toBe(promAlertName(builtIn.id));
      expect(r.labels).toEqual({ severity: builtIn.severity, rule: builtIn.id, runbook: builtIn.runbook });
    }
    expect(rules.find((r) => r.alert === 'DataStale')!.for).toBe('10m');
    expect(rules.find((r) => r.alert === 'DbCorruption')!.for).toBeUndefined();
    expect(rules.find((r) => r.alert === 'DaemonCpuHigh')!.for).toBe('10m');
  });

  it('writes Prometheus durations', () => {
    expect([0, 1000, 90_000, 5_400_000, 86_400_000 + 1500].map(promDuration)).toEqual([undefined, '1s', '1m30s', '1h30m', '1d1s500ms']);
  });

  it.skipIf(!PROMTOOL)(`pass \`promtool check rules\`, for the defaults and a tuned config${skipped}`, () => {
    execFileSync(PROMTOOL!, ['check', 'rules', RULES_FILE], { stdio: 'pipe' });
    const tuned = path.join(tempDir(), 'tuned.yml');
    fs.writeFileSync(tuned, prometheusRulesYaml(configSchema.parse({
      alerts: { thresholds: { dataStaleMax: '2d', rateLimitWindow: '90s', staleEarly: { '1d': '30h' } }, for: { 'sync-failed': '0s' } },
    })));
    execFileSync(PROMTOOL!, ['check', 'rules', tuned], { stdio: 'pipe' });
  });

  it.skipIf(!PROMTOOL)(`fire on sample series: \`promtool test rules\`${skipped}`, () => {
    const result = spawnSync(PROMTOOL!, ['test', 'rules', TEST_FILE], { encoding: 'utf8', cwd: path.dirname(TEST_FILE) });
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toContain('SUCCESS');
  });
});

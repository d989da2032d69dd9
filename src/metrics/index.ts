/**
 * Prometheus metrics. Wiring (the `--daemon` process, when `alerts.metrics.enabled`):
 * `startMetricsServer({ registry: defaultMetrics().registry, host, port, isReady })` once, and
 * `updateMetrics(snapshot, readMetricsHistory(db, config, now, daemonFacts))` after every health
 * refresh.
 */
export { CfaMetrics, defaultMetrics, updateMetrics, type MetricsHistory } from './registry.js';
export { startMetricsServer, type MetricsServer, type MetricsServerOptions } from './server.js';
export { readMetricsHistory } from './history.js';

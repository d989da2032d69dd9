/**
 * The alerting API the engine and the console use. Wiring (leader only): build one
 * `AlertService` on the engine's ops.db, `start()` it when leadership is gained and `stop()` it
 * when lost, and call `evaluate(snapshot)` after every health refresh.
 */
export { AlertService, type AlertServiceOptions, type EvaluationReport } from './service.js';
export { AlertStore, AlertUsageError, dedupKey } from './alert-state.js';
export { Outbox, type ChannelQueueStats, type OutboxRow } from './outbox.js';
export { DeliveryWorker, type DrainResult } from './delivery-worker.js';
export { daemonFactsFromStatus, readDaemonFacts, recentRuns, DAEMON_NAME } from './sources.js';
export { evaluateRules, RULES, ruleById, alertName, fingerprint, type RuleDefinition, type RuleInput } from './rules.js';
export { ruleSettings, instanceName, type RuleSettings, type RuleThresholds } from './settings.js';
export { createChannels, routeFor, resolveChannelSettings, SECRET_ENV } from './channels/resolve.js';
export { composeDigest, enqueueDigest, buildDigest } from './digest.js';
export { prometheusRules, prometheusRulesYaml } from './prometheus-rules.js';
export { ManualClock, systemClock, type AlertLogger, type Clock } from './clock.js';
export type * from './types.js';

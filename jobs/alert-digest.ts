import { defineJob } from '../src/ops/define-job.js';

/** The daily digest: the last 24 h of alerts, job results and freshness, one message per channel, at 04:00 UTC. */
export const alertDigestJob = defineJob({
  name: 'alert-digest',
  summary: 'send the daily digest of alerts, job results and freshness to the alert channels',
  schedule: '0 4 * * *',
  timeout: '5m',
  catchUpWindow: '6h',
  operation: 'alert-digest',
  options: { waitMs: 120_000 },
});

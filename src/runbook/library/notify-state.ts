import { incidentMessageSent } from '../../alerts/incident-notify.js';
import { openOpsDb } from '../../store/ops-db.js';
import type { StepContext } from '../types.js';

/** The outbox key of an incident's message: one per incident and purpose. Null without an incident. */
export function messageKey(ctx: StepContext, purpose: string): string | null {
  return ctx.incidentId === null ? null : `incident/${ctx.incidentId}/${purpose}`;
}

/** Outbox rows of the incident's message, or null when there is no incident to key it by. */
export function alertOutboxSent(ctx: StepContext, purpose: string): number[] | null {
  const key = messageKey(ctx, purpose);
  if (key === null) return null;
  const db = openOpsDb(ctx.dataDir);
  try {
    return incidentMessageSent(db, ctx.loaded.config, key);
  } finally {
    db.close();
  }
}

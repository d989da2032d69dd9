import { z } from 'zod';

/** Channels, routes and metrics (owned by src/alerts). Secrets may also come from the environment. */
export const alertsSection = z.object({
  channels: z.record(z.string(), z.unknown()).default({}),
  routes: z.record(z.string(), z.array(z.string())).default({}),
}).passthrough();

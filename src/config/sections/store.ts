import { z } from 'zod';

/**
 * Where the market and ops data live. SQLite files in the data dir are the embedded default;
 * PostgreSQL is for a team that wants a second host or readers on other machines (README, "Beyond
 * one machine"). `url` holds the password, so it is printed and logged masked only; it may come
 * from the environment instead (`CFA_STORE_URL`).
 */
export const storeSection = z.object({
  backend: z.enum(['sqlite', 'postgres'], { message: "store.backend is 'sqlite' (the default) or 'postgres'" }).default('sqlite'),
  url: z.string().regex(/^postgres(ql)?:\/\//, 'store.url is a PostgreSQL URL, e.g. postgresql://cfa:PASSWORD@db-host:5432/cfa').optional(),
  /** Connections per process. */
  poolSize: z.int().min(1).max(100).default(5),
}).strict().superRefine((store, ctx) => {
  if (store.backend === 'postgres' && !store.url) {
    ctx.addIssue({ code: 'custom', path: ['url'], message: 'store.backend is postgres but no store.url is set (or CFA_STORE_URL), e.g. postgresql://cfa:PASSWORD@db-host:5432/cfa' });
  }
});

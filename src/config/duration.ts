import ms from 'ms';
import { z } from 'zod';

/** A duration written the way people write it ("30m", "2h", "45s"); stored as written. */
export const duration = z.string().refine((v) => {
  const parsed = ms(v as ms.StringValue);
  return typeof parsed === 'number' && parsed > 0;
}, { message: 'a duration is a number with a unit, e.g. 45s, 30m, 2h, 1d' });

export { durationMs } from './duration-ms.js';

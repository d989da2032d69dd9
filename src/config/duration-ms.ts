import ms from 'ms';

/**
 * A duration as people write it ("30m", "2h", "45s") in milliseconds; NaN or undefined when it is
 * not one. Without the config schema (zod): command declarations check their flags with it.
 */
export function durationMs(value: string): number {
  return ms(value as ms.StringValue);
}

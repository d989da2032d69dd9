const SECRET_KEY = /(token|secret|password|passwd|webhook|routing_?key|api_?key|smtp_?pass)/i;

export const MASK = '••••••';

/** Whether a key (or dotted path) names a secret whose value must never be printed. */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** Secrets keep their last 4 characters so two values can be told apart without revealing them. */
export function maskSecret(value: string): string {
  return value.length <= 8 ? MASK : `${MASK}${value.slice(-4)}`;
}

/** A deep copy with every value under a secret-looking key masked: safe to print or log. */
export function redactSecrets<T>(value: T, underSecretKey = false): T {
  if (typeof value === 'string') return (underSecretKey && value ? maskSecret(value) : value) as T;
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, underSecretKey)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, redactSecrets(v, underSecretKey || SECRET_KEY.test(k))]),
    ) as T;
  }
  return value;
}

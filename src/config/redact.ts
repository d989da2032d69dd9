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

/** `scheme://user:password@host`: the password part of a URL's user info. */
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:)([^@\s/]+)(@)/gi;

/** A password given as a query or connection-string parameter (`?password=…`, `password=… host=…`). */
const PASSWORD_PARAM = /(\bpassword=)([^&\s]+)/gi;

/** Any password inside URLs in `text` masked (`sftp://cfa:••••••@host/path`); the rest kept. */
export function redactUrlPasswords(text: string): string {
  return text.replace(URL_PASSWORD, `$1${MASK}$3`).replace(PASSWORD_PARAM, `$1${MASK}`);
}

/**
 * A deep copy with every value under a secret-looking key masked, and passwords in URLs masked
 * wherever they are: safe to print or log.
 */
export function redactSecrets<T>(value: T, underSecretKey = false): T {
  if (typeof value === 'string') return (underSecretKey && value ? maskSecret(value) : redactUrlPasswords(value)) as T;
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, underSecretKey)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, redactSecrets(v, underSecretKey || SECRET_KEY.test(k))]),
    ) as T;
  }
  return value;
}

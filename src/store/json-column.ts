/**
 * A JSON object stored in a TEXT column, read back: null stays null, an object comes back as it
 * is, any other JSON value is wrapped as `{ value }`, and text that is not JSON as `{ text }`, so
 * a damaged row is shown rather than thrown.
 */
export function readJsonObject(text: string | null): Record<string, unknown> | null {
  if (text === null) return null;
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? value as Record<string, unknown> : { value };
  } catch {
    return { text };
  }
}

import { maskSecret } from '../config/redact.js';

/**
 * Replaces every occurrence of a secret (as written, and URL-encoded) with its masked form.
 * Channel errors pass through here before they are logged or stored: an HTTP library's message
 * may quote the URL, and a Slack webhook URL or a Telegram bot path is the secret itself.
 */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  const variants = secrets
    .filter((s) => s.length >= 4)
    .flatMap((s) => [s, encodeURIComponent(s), encodeURI(s)])
    .sort((a, b) => b.length - a.length);
  for (const secret of new Set(variants)) out = out.split(secret).join(maskSecret(secret));
  return out;
}

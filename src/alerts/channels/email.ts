import type { Transporter } from 'nodemailer';
import { maskSecret } from '../../config/redact.js';
import { scrub } from '../secrets.js';
import type { Notification } from '../types.js';
import type { Channel, SendResult } from './channel.js';
import { renderText, renderTitle } from './render.js';

export interface EmailSettings {
  host: string;
  port: number;
  secure: boolean;
  user?: string;
  password?: string;
  from: string;
  to: string[];
}

/**
 * Email over SMTP (nodemailer): one mail per message, the title as the subject. No published
 * limit; ten a minute keeps a storm from flooding inboxes (grouping does the rest).
 */
export function emailChannel(settings: EmailSettings, options: { timeoutMs: number }): Channel {
  const secrets = settings.password ? [settings.password] : [];
  // nodemailer is loaded with the first mail: most leaders and consoles never send one.
  let transport: Transporter | null = null;
  const connect = async (): Promise<Transporter> => {
    const { default: nodemailer } = await import('nodemailer');
    return nodemailer.createTransport({
      host: settings.host,
      port: settings.port,
      secure: settings.secure,
      auth: settings.user ? { user: settings.user, pass: settings.password ?? '' } : undefined,
      connectionTimeout: options.timeoutMs,
      greetingTimeout: options.timeoutMs,
      socketTimeout: options.timeoutMs,
      // nodemailer's own logger would print the SMTP conversation (AUTH included): never.
      logger: false,
      debug: false,
    });
  };
  return {
    name: 'email',
    limits: [{ count: 10, windowMs: 60_000 }],
    groups: true,
    secrets,
    batchSize: (queue: readonly Notification[]) => Math.min(queue.length, 200),
    async send(batch): Promise<SendResult> {
      try {
        transport ??= await connect();
        await transport.sendMail({ from: settings.from, to: settings.to, subject: renderTitle(batch), text: renderText(batch) });
        return { ok: true };
      } catch (error) {
        const e = error as { code?: string; responseCode?: number; message?: string };
        const what = e.responseCode ? `SMTP ${e.responseCode}` : e.code ?? 'SMTP error';
        return { ok: false, error: scrub(`${what}: ${(e.message ?? '').slice(0, 200)}`, secrets) };
      }
    },
    describe: () => ({
      server: `${settings.host}:${settings.port}${settings.secure ? ' (TLS)' : ''}`,
      user: settings.user ?? '-',
      password: settings.password ? maskSecret(settings.password) : '-',
      from: settings.from,
      to: settings.to.join(', '),
    }),
  };
}

import fs from 'node:fs';
import path from 'node:path';
import pino, { type Logger } from 'pino';

export type { Logger };

/** Keys whose values never reach a log line, at any of these depths. */
const SECRET_PATHS = ['*.token', '*.botToken', '*.password', '*.webhookUrl', '*.routingKey', '*.apiKey', '*.secret',
  '*.*.token', '*.*.botToken', '*.*.password', '*.*.webhookUrl', '*.*.routingKey', '*.*.apiKey', '*.*.secret'];

/**
 * JSON lines to stdout (journald keeps them under systemd) and to `logs/cfa-console.log`, where
 * health reads recent activity. Synchronous writes: the last lines before an exit or a crash are
 * the ones on-call needs.
 */
export function createEngineLogger(dataDir: string, options: { stdout: boolean; level?: string }): Logger {
  const logsDir = path.join(dataDir, 'logs');
  fs.mkdirSync(logsDir, { recursive: true });
  const level = (options.level ?? process.env.CFA_LOG_LEVEL ?? 'info') as pino.Level;
  // Each stream filters at its own level (pino's default: info), so it is given the logger's.
  const streams: pino.StreamEntry[] = [{ level, stream: pino.destination({ dest: path.join(logsDir, 'cfa-console.log'), sync: true, mkdir: true }) }];
  if (options.stdout) streams.push({ level, stream: pino.destination({ dest: 1, sync: true }) });
  return pino({
    level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: SECRET_PATHS, censor: '••••••' },
  }, pino.multistream(streams));
}

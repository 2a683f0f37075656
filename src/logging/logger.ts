import type { LoggerService } from '@nestjs/common';
import pino, { Logger as Pino } from 'pino';
import type { AppConfig } from '../config/config';

/** Secrets that must never reach a log line, whatever field they hide in. */
const SECRET_PATTERNS: [RegExp, string][] = [
  [/lsk_[A-Za-z0-9_-]+/g, 'lsk_[REDACTED]'],
  [/eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, '[REDACTED_JWT]'],
  [/(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 [REDACTED]'],
  [/(postgres(?:ql)?:\/\/[^:/@\s"]+):[^@\s"]+@/g, '$1:[REDACTED]@'],
];

export function scrubSecrets(line: string): string {
  let out = line;
  for (const [re, replacement] of SECRET_PATTERNS) out = out.replace(re, replacement);
  return out;
}

/** Known secret-bearing fields are removed by path; everything else is scrubbed
 *  by pattern as the serialized line leaves the process. */
const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  'authorization',
  'secret',
  'apiKey',
  'password',
  'token',
];

const loggers = new Map<string, Pino>();

/** The process's one pino instance per level (tests boot several apps in one process). */
export function rootLogger(level: AppConfig['logLevel']): Pino {
  let logger = loggers.get(level);
  if (!logger) {
    // Looked up on every write so tests can capture process.stdout.
    const stream = { write: (line: string) => process.stdout.write(scrubSecrets(line)) };
    logger = pino(
      {
        level,
        base: { pid: process.pid },
        timestamp: pino.stdTimeFunctions.isoTime,
        redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
        formatters: { level: (label) => ({ level: label }) },
      },
      stream,
    );
    loggers.set(level, logger);
  }
  return logger;
}

/** Nest's LoggerService over pino, for lines logged before the app exists (start-up, migrations). */
export function bootstrapLogger(level: AppConfig['logLevel']): LoggerService {
  const log = rootLogger(level);
  const at = (fn: 'info' | 'error' | 'warn' | 'debug' | 'trace' | 'fatal') => (message: unknown, ...rest: unknown[]) => {
    const context = typeof rest[rest.length - 1] === 'string' ? (rest[rest.length - 1] as string) : undefined;
    log[fn]({ context }, typeof message === 'string' ? message : JSON.stringify(message));
  };
  return { log: at('info'), error: at('error'), warn: at('warn'), debug: at('debug'), verbose: at('trace'), fatal: at('fatal') };
}

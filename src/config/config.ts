/**
 * The one place that reads process.env. Every variable is parsed and validated
 * once at start-up; a bad value stops the service with a message naming it.
 */
import { parseSigningKey } from '../audit/audit.signing';

export interface AppConfig {
  env: 'development' | 'production' | 'test';
  port: number;
  databaseUrl: string | undefined;
  dataDir: string;
  embeddedPgPort: number;
  adminApiKey: string | undefined;
  provider: 'simulator';
  simulator: { transitionMs: number; fleetSize: number; seed: boolean };
  worker: {
    enabled: boolean;
    pollMs: number;
    leaseMs: number;
    maxAttempts: number;
    concurrency: number;
    operationTimeoutMs: number;
    providerCallTimeoutMs: number;
  };
  sync: { enabled: boolean; intervalMs: number; concurrency: number; stuckAfterMs: number; graceObservations: number; unreachableThreshold: number; callTimeoutMs: number };
  idempotencyTtlHours: number;
  /** signingKey: Ed25519 key for signed checkpoints (validated here, kept out of the database). */
  audit: { signingKey: string | undefined; checkpointIntervalMs: number };
  instanceId: string;
  logLevel: 'silent' | 'error' | 'warn' | 'info' | 'debug';
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, def: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  if (!/^-?\d+$/.test(raw.trim())) throw new ConfigError(`${name} must be an integer, got "${raw}"`);
  const v = Number(raw);
  if (v < min || v > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${v}`);
  return v;
}

function bool(env: Env, name: string, def: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

function oneOf<T extends string>(env: Env, name: string, def: T, allowed: readonly T[]): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  if (!allowed.includes(raw as T)) throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
  return raw as T;
}

function auditSigningKey(env: Env): string | undefined {
  const raw = env.AUDIT_SIGNING_KEY;
  if (raw === undefined || raw.trim() === '') return undefined;
  try {
    parseSigningKey(raw);
  } catch (e) {
    throw new ConfigError(`AUDIT_SIGNING_KEY ${(e as Error).message}`);
  }
  return raw;
}

export function loadConfig(env: Env = process.env): AppConfig {
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must be a postgresql:// URL');
  }
  const adminApiKey = env.ADMIN_API_KEY || undefined;
  if (adminApiKey !== undefined && adminApiKey.length < 16) {
    throw new ConfigError('ADMIN_API_KEY must be at least 16 characters');
  }
  const nodeEnv = oneOf(env, 'NODE_ENV', 'development', ['development', 'production', 'test'] as const);
  const transitionMs = int(env, 'SIMULATOR_TRANSITION_MS', 3000, 0, 3_600_000);
  return {
    env: nodeEnv,
    port: int(env, 'PORT', 3000, 0, 65535),
    databaseUrl,
    dataDir: env.DATA_DIR || './data',
    embeddedPgPort: int(env, 'EMBEDDED_PG_PORT', 54329, 1, 65535),
    adminApiKey,
    provider: oneOf(env, 'PROVIDER', 'simulator', ['simulator'] as const),
    simulator: {
      transitionMs,
      fleetSize: int(env, 'SIMULATOR_FLEET_SIZE', 8, 0, 100_000),
      seed: bool(env, 'SIMULATOR_SEED', true),
    },
    worker: {
      enabled: bool(env, 'WORKER_ENABLED', true),
      pollMs: int(env, 'WORKER_POLL_MS', 500, 10, 60_000),
      leaseMs: int(env, 'WORKER_LEASE_MS', 15_000, 100, 3_600_000),
      maxAttempts: int(env, 'WORKER_MAX_ATTEMPTS', 3, 1, 100),
      concurrency: int(env, 'WORKER_CONCURRENCY', 8, 1, 256),
      operationTimeoutMs: int(env, 'OPERATION_TIMEOUT_MS', Math.max(60_000, transitionMs * 20), 100, 86_400_000),
      providerCallTimeoutMs: int(env, 'PROVIDER_CALL_TIMEOUT_MS', 10_000, 10, 600_000),
    },
    sync: {
      enabled: bool(env, 'SYNC_ENABLED', true),
      intervalMs: int(env, 'SYNC_INTERVAL_MS', 60_000, 50, 86_400_000),
      concurrency: int(env, 'SYNC_CONCURRENCY', 8, 1, 1024),
      stuckAfterMs: int(env, 'SYNC_STUCK_AFTER_MS', Math.max(300_000, transitionMs * 20), 10, 86_400_000),
      graceObservations: int(env, 'SYNC_GRACE_OBSERVATIONS', 2, 1, 100),
      unreachableThreshold: int(env, 'SYNC_UNREACHABLE_THRESHOLD', 3, 1, 100),
      callTimeoutMs: int(env, 'SYNC_CALL_TIMEOUT_MS', 5_000, 10, 600_000),
    },
    idempotencyTtlHours: int(env, 'IDEMPOTENCY_TTL_HOURS', 24, 1, 24 * 365),
    audit: {
      signingKey: auditSigningKey(env),
      checkpointIntervalMs: int(env, 'AUDIT_CHECKPOINT_INTERVAL_MS', 300_000, 1_000, 86_400_000),
    },
    instanceId: env.INSTANCE_ID || `${require('node:os').hostname()}-${process.pid}`,
    logLevel: oneOf(env, 'LOG_LEVEL', 'info', ['silent', 'error', 'warn', 'info', 'debug'] as const),
  };
}

export const APP_CONFIG = Symbol('APP_CONFIG');

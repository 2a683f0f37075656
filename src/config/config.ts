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
  simulator: { transitionMs: number; fleetSize: number; seed: boolean; repairDurationMs: number };
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
  graphql: { introspection: boolean; playground: boolean; maxDepth: number; maxComplexity: number };
  /** Requests per principal per minute, counted in PostgreSQL (shared by replicas); 0 = off. */
  rateLimitPerMinute: number;
  bodyLimitKb: number;
  /** How long SIGTERM waits for in-flight operations before releasing their leases. */
  shutdownTimeoutMs: number;
  /** signingKey: Ed25519 key for signed checkpoints (validated here, kept out of the database). */
  audit: { signingKey: string | undefined; checkpointIntervalMs: number };
  instanceId: string;
  logLevel: 'silent' | 'error' | 'warn' | 'info' | 'debug';
  /** Bearer JWTs of portal users; null when neither JWT_SECRET nor JWT_JWKS_URL is set. */
  jwt: JwtConfig | null;
}

export interface JwtConfig {
  secret: string | undefined;
  jwksUrl: URL | undefined;
  jwksCooldownMs: number;
  jwksTimeoutMs: number;
  issuer: string;
  audience: string[];
  algorithms: JwtAlgorithm[];
  roleClaim: string;
  poolsClaim: string;
  clockToleranceSec: number;
}

export const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const;
export const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;
export type JwtAlgorithm = (typeof HMAC_ALGORITHMS)[number] | (typeof ASYMMETRIC_ALGORITHMS)[number];

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

const list = (raw: string | undefined): string[] => (raw ?? '').split(',').map((x) => x.trim()).filter(Boolean);

function jwtConfig(env: Env, nodeEnv: AppConfig['env']): JwtConfig | null {
  const secret = env.JWT_SECRET || undefined;
  const rawJwks = env.JWT_JWKS_URL || undefined;
  if (!secret && !rawJwks) {
    const stray = ['JWT_ISSUER', 'JWT_AUDIENCE', 'JWT_ALGORITHMS'].find((n) => env[n]);
    if (stray) throw new ConfigError(`${stray} is set but neither JWT_SECRET nor JWT_JWKS_URL is`);
    return null;
  }
  // HS256 needs a key at least as long as its output (RFC 7518 §3.2).
  if (secret !== undefined && Buffer.byteLength(secret) < 32) throw new ConfigError('JWT_SECRET must be at least 32 bytes');
  let jwksUrl: URL | undefined;
  if (rawJwks) {
    try {
      jwksUrl = new URL(rawJwks);
    } catch {
      throw new ConfigError(`JWT_JWKS_URL must be a URL, got "${rawJwks}"`);
    }
    if (!['https:', 'http:'].includes(jwksUrl.protocol)) throw new ConfigError('JWT_JWKS_URL must be an http(s) URL');
    const local = ['localhost', '127.0.0.1', '[::1]'].includes(jwksUrl.hostname);
    if (nodeEnv === 'production' && jwksUrl.protocol !== 'https:' && !local) throw new ConfigError('JWT_JWKS_URL must use https in production');
  }
  const issuer = env.JWT_ISSUER?.trim();
  if (!issuer) throw new ConfigError('JWT_ISSUER is required when JWT_SECRET or JWT_JWKS_URL is set');
  const audience = list(env.JWT_AUDIENCE);
  if (audience.length === 0) throw new ConfigError('JWT_AUDIENCE is required when JWT_SECRET or JWT_JWKS_URL is set');
  const algorithms = list(env.JWT_ALGORITHMS);
  if (algorithms.length === 0) {
    if (secret) algorithms.push('HS256');
    if (jwksUrl) algorithms.push('RS256', 'ES256');
  }
  for (const alg of algorithms) {
    if (alg.toLowerCase() === 'none') throw new ConfigError('JWT_ALGORITHMS must not contain "none"');
    const hmac = (HMAC_ALGORITHMS as readonly string[]).includes(alg);
    if (!hmac && !(ASYMMETRIC_ALGORITHMS as readonly string[]).includes(alg)) {
      throw new ConfigError(`JWT_ALGORITHMS: unknown algorithm "${alg}" (allowed: ${[...HMAC_ALGORITHMS, ...ASYMMETRIC_ALGORITHMS].join(', ')})`);
    }
    if (hmac && !secret) throw new ConfigError(`JWT_ALGORITHMS has ${alg} but JWT_SECRET is not set`);
    if (!hmac && !jwksUrl) throw new ConfigError(`JWT_ALGORITHMS has ${alg} but JWT_JWKS_URL is not set`);
  }
  return {
    secret,
    jwksUrl,
    jwksCooldownMs: int(env, 'JWT_JWKS_COOLDOWN_MS', 30_000, 0, 86_400_000),
    jwksTimeoutMs: int(env, 'JWT_JWKS_TIMEOUT_MS', 5_000, 100, 60_000),
    issuer,
    audience,
    algorithms: algorithms as JwtAlgorithm[],
    roleClaim: env.JWT_ROLE_CLAIM?.trim() || 'role',
    poolsClaim: env.JWT_POOLS_CLAIM?.trim() || 'pools',
    clockToleranceSec: int(env, 'JWT_CLOCK_TOLERANCE_SEC', 30, 0, 300),
  };
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
  // The guard tells API keys from JWTs by this prefix.
  if (adminApiKey !== undefined && !adminApiKey.startsWith('lsk_')) throw new ConfigError('ADMIN_API_KEY must start with lsk_');
  const nodeEnv = oneOf(env, 'NODE_ENV', 'development', ['development', 'production', 'test'] as const);
  const transitionMs = int(env, 'SIMULATOR_TRANSITION_MS', 3000, 0, 3_600_000);
  const instanceId = env.INSTANCE_ID || `${require('node:os').hostname()}-${process.pid}`;
  if (!/^[A-Za-z0-9._:-]{1,128}$/.test(instanceId)) {
    throw new ConfigError(`INSTANCE_ID must be 1-128 letters, digits, ".", "_", ":" or "-", got "${instanceId}"`);
  }
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
      repairDurationMs: int(env, 'REPAIR_DURATION_MS', 30_000, 0, 86_400_000),
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
    graphql: {
      // Schema discovery and the in-browser IDE are for development; off in production unless asked for.
      introspection: bool(env, 'GRAPHQL_INTROSPECTION', nodeEnv !== 'production'),
      playground: bool(env, 'GRAPHQL_PLAYGROUND', nodeEnv !== 'production'),
      maxDepth: int(env, 'GRAPHQL_MAX_DEPTH', 8, 2, 64),
      maxComplexity: int(env, 'GRAPHQL_MAX_COMPLEXITY', 10_000, 10, 10_000_000),
    },
    rateLimitPerMinute: int(env, 'RATE_LIMIT_PER_MINUTE', 600, 0, 1_000_000),
    bodyLimitKb: int(env, 'BODY_LIMIT_KB', 256, 1, 102_400),
    shutdownTimeoutMs: int(env, 'SHUTDOWN_TIMEOUT_MS', 10_000, 0, 600_000),
    instanceId,
    audit: {
      signingKey: auditSigningKey(env),
      checkpointIntervalMs: int(env, 'AUDIT_CHECKPOINT_INTERVAL_MS', 300_000, 1_000, 86_400_000),
    },
    logLevel: oneOf(env, 'LOG_LEVEL', 'info', ['silent', 'error', 'warn', 'info', 'debug'] as const),
    jwt: jwtConfig(env, nodeEnv),
  };
}

export const APP_CONFIG = Symbol('APP_CONFIG');

import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('has documented defaults with an empty environment', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      env: 'development',
      port: 3000,
      databaseUrl: undefined,
      dataDir: './data',
      embeddedPgPort: 54329,
      provider: 'simulator',
      logLevel: 'info',
      idempotencyTtlHours: 24,
      rateLimitPerMinute: 600,
      bodyLimitKb: 256,
      shutdownTimeoutMs: 10_000,
      simulator: { transitionMs: 3000, fleetSize: 8, seed: true },
      worker: { enabled: true, pollMs: 500, leaseMs: 15_000, maxAttempts: 3, concurrency: 8, operationTimeoutMs: 60_000, providerCallTimeoutMs: 10_000 },
      sync: { enabled: true, intervalMs: 60_000, concurrency: 8, stuckAfterMs: 300_000, graceObservations: 2, unreachableThreshold: 3, callTimeoutMs: 5_000 },
    });
  });

  it('parses given values', () => {
    const c = loadConfig({ PORT: '8080', RATE_LIMIT_PER_MINUTE: '0', BODY_LIMIT_KB: '1024', WORKER_ENABLED: 'no', LOG_LEVEL: 'debug', DATABASE_URL: 'postgres://u@h/db', INSTANCE_ID: 'api-1' });
    expect(c).toMatchObject({ port: 8080, rateLimitPerMinute: 0, bodyLimitKb: 1024, logLevel: 'debug', databaseUrl: 'postgres://u@h/db', instanceId: 'api-1', worker: { enabled: false } });
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://x'],
    ['ADMIN_API_KEY', 'short'],
    ['NODE_ENV', 'staging'],
    ['LOG_LEVEL', 'verbose'],
    ['PROVIDER', 'ipmi'],
    ['WORKER_ENABLED', 'maybe'],
    ['WORKER_POLL_MS', '1'],
    ['WORKER_CONCURRENCY', '0'],
    ['SYNC_INTERVAL_MS', '1.5'],
    ['RATE_LIMIT_PER_MINUTE', '-1'],
    ['BODY_LIMIT_KB', '0'],
    ['SHUTDOWN_TIMEOUT_MS', 'soon'],
    ['INSTANCE_ID', 'has spaces'],
    ['IDEMPOTENCY_TTL_HOURS', '0'],
  ])('refuses %s=%s with a message naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });
});

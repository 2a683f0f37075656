import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { createApp } from '../../src/app.factory';
import { ApiKeysService } from '../../src/auth/api-keys.service';
import type { Role } from '../../src/auth/permissions';
import { AppConfig, loadConfig } from '../../src/config/config';
import { PrismaService } from '../../src/database/prisma.service';
import { SimulatorProvider } from '../../src/providers/simulator/simulator.provider';
import { createTestDatabase } from './database';

export const ADMIN_KEY = 'lsk_test_admin_key_0123456789abcdef';

export interface TestApp {
  app: INestApplication;
  http: ReturnType<typeof request>;
  prisma: PrismaService;
  sim: SimulatorProvider;
  config: AppConfig;
  databaseUrl: string;
  admin: string;
  /** Creates an API key with this role (and optional pool scope); returns the secret. */
  key(role: Role, poolIds?: string[]): Promise<string>;
  /** Another replica on the same database. */
  replica(env?: Record<string, string>): Promise<INestApplication>;
  close(): Promise<void>;
}

export const testEnv = (databaseUrl: string, env: Record<string, string> = {}): Record<string, string> => ({
  NODE_ENV: 'test',
  DATABASE_URL: databaseUrl,
  ADMIN_API_KEY: ADMIN_KEY,
  LOG_LEVEL: 'error',
  SIMULATOR_TRANSITION_MS: '60',
  SIMULATOR_FLEET_SIZE: '8',
  WORKER_POLL_MS: '20',
  WORKER_LEASE_MS: '2000',
  OPERATION_TIMEOUT_MS: '5000',
  PROVIDER_CALL_TIMEOUT_MS: '1000',
  SYNC_ENABLED: 'false',
  SYNC_INTERVAL_MS: '200',
  // Tests poll quickly; test/rate-limit.test.ts turns the limit on.
  RATE_LIMIT_PER_MINUTE: '0',
  ...env,
});

/** Boots the whole application on a fresh database, as main.ts does. */
export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const db = await createTestDatabase();
  const config = loadConfig(testEnv(db.url, { INSTANCE_ID: 'replica-a', ...env }));
  const app = await createApp(config);
  await app.listen(0);
  const replicas: INestApplication[] = [];
  const prisma = app.get(PrismaService);
  return {
    app,
    http: request(app.getHttpServer()),
    prisma,
    sim: app.get(SimulatorProvider),
    config,
    databaseUrl: db.url,
    admin: ADMIN_KEY,
    key: async (role, poolIds) => (await app.get(ApiKeysService).create({ name: `test-${role}`, role, poolIds })).secret,
    replica: async (extra = {}) => {
      const r = await createApp(loadConfig(testEnv(db.url, { INSTANCE_ID: `replica-${replicas.length + 2}`, ...env, ...extra })));
      await r.listen(0);
      replicas.push(r);
      return r;
    },
    close: async () => {
      for (const r of replicas) await r.close().catch(() => undefined);
      await app.close();
      await db.drop();
    },
  };
}

/** Waits for a condition with a deadline; tests never sleep and hope. */
export async function until<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v as T;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export const bearer = (secret: string) => ({ Authorization: `Bearer ${secret}` });

/** Polls an operation until it is SUCCEEDED or FAILED. */
export async function settled(t: TestApp, opId: string, key = t.admin) {
  return until(`operation ${opId} settled`, async () => {
    const r = await t.http.get(`/v1/operations/${opId}`).set(bearer(key));
    return ['SUCCEEDED', 'FAILED'].includes(r.body.status) ? r.body : undefined;
  });
}

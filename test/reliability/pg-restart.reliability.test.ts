import type { INestApplication } from '@nestjs/common';
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { createApp } from '../../src/app.factory';
import { loadConfig } from '../../src/config/config';
import { migrate } from '../../src/database/migrator';
import { ADMIN_KEY, testEnv, until } from '../support/app';
import { OwnPostgres, startOwnPostgres } from '../support/own-postgres-client';
import { checkHistory, Observed } from './history-checker';

interface Sent extends Observed {
  key: string;
  phase: 'before' | 'outage' | 'after' | 'retry';
  code?: string;
  replayed: boolean;
}

/**
 * PostgreSQL restarted under load: two replicas on a PostgreSQL of this test's
 * own, several clients sending lifecycle actions with Idempotency-Keys. While
 * the database is down every call gets the documented 503 (never a crash or a
 * 500) and readiness fails; once it is back, failed requests are retried with
 * the same keys and the whole history is checked (see history-checker.ts).
 */
describe('reliability: PostgreSQL restarted under load', () => {
  let pg: OwnPostgres;
  const apps: INestApplication[] = [];
  const urls: string[] = [];

  beforeAll(async () => {
    pg = await startOwnPostgres('liteserver-pg-restart-');
    await migrate(pg.url);
    const env = (i: number) =>
      testEnv(pg.url, {
        INSTANCE_ID: `pgr-${i}`,
        SIMULATOR_FLEET_SIZE: '12',
        SIMULATOR_TRANSITION_MS: '100',
        WORKER_POLL_MS: '50',
        WORKER_LEASE_MS: '1500',
        OPERATION_TIMEOUT_MS: '30000',
        SYNC_ENABLED: 'true',
        SYNC_INTERVAL_MS: '500',
      });
    // One first so the fleet is seeded once.
    for (const i of [1, 2]) {
      const app = await createApp(loadConfig(env(i)));
      await app.listen(0, '127.0.0.1');
      apps.push(app);
      urls.push(`http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`);
    }
  }, 120_000);

  afterAll(async () => {
    for (const a of apps) await a.close().catch(() => undefined);
    await pg?.exit();
  });

  it('answers 503 while the database is down, loses no acknowledged action, and recovers by itself', async () => {
    const servers = Array.from({ length: 12 }, (_, i) => `srv-${String(i + 1).padStart(3, '0')}`);
    const actions = ['start', 'stop', 'restart'];
    const sent: Sent[] = [];
    const problems: string[] = [];
    let phase: Sent['phase'] = 'before';
    let stoppedAt = new Date(8.64e15);
    let startedAt = new Date(0);

    const post = async (replica: number, path: string, key: string, as: Sent['phase']): Promise<Sent> => {
      let status = 0;
      let body: { id?: string; error?: { code?: string } } = {};
      let replayed = false;
      try {
        const r = await fetch(`${urls[replica]}${path}`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${ADMIN_KEY}`, 'Content-Type': 'application/json', 'Idempotency-Key': key },
          body: '{}',
          signal: AbortSignal.timeout(20_000),
        });
        status = r.status;
        body = (await r.json().catch(() => ({}))) as typeof body;
        replayed = r.headers.get('idempotent-replayed') === 'true';
      } catch (e) {
        problems.push(`${as} ${path} [${key}]: no answer (${(e as Error).message})`);
      }
      const s: Sent = { replica, method: 'POST', path, status, operationId: status === 202 ? body.id : undefined, key, phase: as, code: body.error?.code, replayed };
      sent.push(s);
      if (status >= 500 && !(status === 503 && s.code === 'SERVICE_UNAVAILABLE')) problems.push(`${as} ${path} → ${status} ${JSON.stringify(body)}`);
      return s;
    };

    let stop = false;
    const client = async (n: number) => {
      for (let i = 0; !stop; i++) {
        const server = servers[(n * 5 + i * 7) % servers.length];
        const action = actions[(n + i) % actions.length];
        await post((n + i) % urls.length, `/v1/servers/${server}/${action}`, `pgr-c${n}-${i}`, phase);
        // Paced a little: a load, not a flood, on a shared 2-core machine.
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    const clients = [0, 1, 2, 3].map(client);
    const count = (p: Sent['phase'], status?: number) => sent.filter((s) => s.phase === p && (status === undefined || s.status === status)).length;

    try {
      await until('actions accepted before the outage', async () => count('before', 202) >= 15, 30_000);

      phase = 'outage';
      stoppedAt = new Date();
      await pg.stop();
      for (const url of urls) {
        const ready = await until('readyz to fail', async () => {
          const r = await fetch(`${url}/readyz`);
          return r.status === 503 ? ((await r.json()) as { error?: { code?: string } }) : undefined;
        });
        expect(ready.error).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
        expect((await fetch(`${url}/healthz`)).status).toBe(200);
      }
      // Keep sending into the outage for a while.
      await until('503s during the outage', async () => count('outage', 503) >= 20, 30_000);

      await pg.start();
      startedAt = new Date();
      for (const url of urls) await until('readyz to recover', async () => (await fetch(`${url}/readyz`)).status === 200, 60_000);
      phase = 'after';
      await until('actions accepted after the outage', async () => count('after', 202) >= 15, 30_000);
    } finally {
      stop = true;
      await Promise.all(clients);
    }

    // Retry everything that was not answered, or answered 503, with the same key, until it is answered.
    const failed = sent.filter((s) => s.status === 0 || s.status === 503);
    for (const f of failed) {
      await until(`retry of ${f.key}`, async () => (await post(f.replica, f.path, f.key, 'retry')).status !== 503, 30_000);
    }

    // Let every operation finish and every server come to rest.
    let across = 0;
    const outcomes: Record<string, number> = {};
    const db = new Client({ connectionString: pg.url });
    await db.connect();
    try {
      await until(
        'operations to settle',
        async () => {
          const open = await db.query(`SELECT count(*)::int AS n FROM operations WHERE status NOT IN ('SUCCEEDED', 'FAILED')`);
          const busy = await db.query(`SELECT count(*)::int AS n FROM servers WHERE task IS NOT NULL`);
          return open.rows[0].n === 0 && busy.rows[0].n === 0;
        },
        90_000,
      );
      // Operations in flight across the outage, and how the failed ones ended.
      across = (await db.query(`SELECT count(*)::int AS n FROM operations WHERE type <> 'SYNC' AND "createdAt" < $1 AND "finishedAt" > $2`, [stoppedAt, startedAt])).rows[0].n;
      for (const r of (await db.query(`SELECT status, "errorCode" AS code, count(*)::int AS n FROM operations WHERE type <> 'SYNC' GROUP BY 1, 2`)).rows) outcomes[`${r.status}${r.code ? `:${r.code}` : ''}`] = r.n;
    } finally {
      await db.end();
    }

    const retried = sent.filter((s) => s.phase === 'retry' && s.status !== 503);
    const figures = {
      requests: sent.length,
      accepted: sent.filter((s) => s.status === 202).length,
      outageRequests: count('outage'),
      outage503: count('outage', 503),
      // Sent in the outage phase but answered by a database still up or already back.
      outageAccepted: count('outage', 202),
      other503: sent.filter((s) => s.status === 503 && s.phase !== 'outage').length,
      retried: failed.length,
      retriedAccepted: retried.filter((s) => s.status === 202).length,
      retriedReplayed: retried.filter((s) => s.replayed).length,
      refused409: sent.filter((s) => s.status === 409).length,
      operationsAcrossOutage: across,
      outcomes,
    };
    process.stdout.write(`pg restart under load: ${JSON.stringify(figures)}\n`);

    expect(problems).toEqual([]);
    expect(figures.outage503).toBeGreaterThanOrEqual(20);
    // A key answers with one operation however often it is sent.
    const opOfKey = new Map<string, string>();
    for (const s of sent.filter((x) => x.operationId)) {
      if (opOfKey.has(s.key) && opOfKey.get(s.key) !== s.operationId) problems.push(`${s.key} gave two operations`);
      opOfKey.set(s.key, s.operationId!);
    }
    expect(problems).toEqual([]);
    expect(await checkHistory(pg.url, sent)).toEqual([]);
  });
});

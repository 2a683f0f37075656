import { Client } from 'pg';
import request from 'supertest';
import { createApp } from '../src/app.factory';
import { loadConfig } from '../src/config/config';
import { ADMIN_KEY, bearer, testEnv, until } from './support/app';
import { createTestDatabase } from './support/database';
import { ServiceProcess, spawnService, waitReady } from './support/process';

/** SIGTERM on the built service: stop taking work, finish or release claimed operations, close the database, exit 0. */
describe('graceful shutdown', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const started: ServiceProcess[] = [];
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    for (const p of started) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await Promise.all(started.map((p) => p.exited));
    await db.drop();
  });

  const start = async (env: Record<string, string>) => {
    const p = await spawnService({ ...testEnv(db.url), LOG_LEVEL: 'info', ...env });
    started.push(p);
    await waitReady(p);
    return p;
  };
  const opStatus = async (id: string) => {
    const c = new Client({ connectionString: db.url });
    await c.connect();
    try {
      return (await c.query<{ status: string; leaseOwner: string | null; attempts: number }>(`SELECT status, "leaseOwner", attempts FROM operations WHERE id = $1`, [id])).rows[0];
    } finally {
      await c.end();
    }
  };

  it('releases an operation it cannot finish in time, so another replica resumes it at once', async () => {
    // Long transitions and lease: without the release the operation would wait 60 s for the lease.
    const p = await start({ INSTANCE_ID: 'leaving', SIMULATOR_TRANSITION_MS: '3000', WORKER_LEASE_MS: '60000', SHUTDOWN_TIMEOUT_MS: '200' });
    const r = await fetch(`${p.url}/v1/servers/srv-001/stop`, { method: 'POST', headers: { ...bearer(ADMIN_KEY), 'Content-Type': 'application/json' }, body: '{}' });
    expect(r.status).toBe(202);
    const op = (await r.json()) as { id: string };
    await until('the operation to be claimed', async () => (await opStatus(op.id)).leaseOwner === 'leaving');

    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(p.output()).toMatch(/released 1 unfinished operation/);
    const after = await opStatus(op.id);
    expect(after).toMatchObject({ status: 'RUNNING', leaseOwner: null, attempts: 0 });

    // Another replica picks it up immediately and completes it.
    const other = await createApp(loadConfig(testEnv(db.url, { INSTANCE_ID: 'staying', SIMULATOR_TRANSITION_MS: '50', WORKER_LEASE_MS: '60000' })));
    try {
      await other.listen(0);
      const done = await until('the released operation to finish on the other replica', async () => {
        const s = await request(other.getHttpServer()).get(`/v1/operations/${op.id}`).set(bearer(ADMIN_KEY));
        return s.body.status === 'SUCCEEDED' ? s.body : undefined;
      }, 20_000);
      expect(done.status).toBe('SUCCEEDED');
    } finally {
      await other.close();
    }
  });

  it('lets an operation that finishes in time complete before exiting', async () => {
    const p = await start({ INSTANCE_ID: 'draining', SIMULATOR_TRANSITION_MS: '400', SHUTDOWN_TIMEOUT_MS: '20000' });
    const r = await fetch(`${p.url}/v1/servers/srv-002/stop`, { method: 'POST', headers: { ...bearer(ADMIN_KEY), 'Content-Type': 'application/json' }, body: '{}' });
    const op = (await r.json()) as { id: string };
    await until('the operation to be claimed', async () => (await opStatus(op.id)).leaseOwner === 'draining');
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(await opStatus(op.id)).toMatchObject({ status: 'SUCCEEDED' });
    expect(p.output()).not.toMatch(/released \d+ unfinished/);
  });

  it('answers /readyz 503 while draining, so load balancers stop sending work', async () => {
    const p = await start({ INSTANCE_ID: 'drain-ready', SIMULATOR_TRANSITION_MS: '3000', SHUTDOWN_TIMEOUT_MS: '20000' });
    const r = await fetch(`${p.url}/v1/servers/srv-005/stop`, { method: 'POST', headers: { ...bearer(ADMIN_KEY), 'Content-Type': 'application/json' }, body: '{}' });
    const op = (await r.json()) as { id: string };
    await until('the operation to be claimed', async () => (await opStatus(op.id)).leaseOwner === 'drain-ready');
    expect((await fetch(`${p.url}/readyz`)).status).toBe(200);
    p.child.kill('SIGTERM');
    const ready = await until('readyz to report draining', async () => {
      const res = await fetch(`${p.url}/readyz`);
      return res.status === 503 ? ((await res.json()) as { error: { code: string; details: unknown } }) : undefined;
    });
    expect(ready.error).toMatchObject({ code: 'SERVICE_UNAVAILABLE', details: { checks: { draining: true } } });
    expect((await fetch(`${p.url}/healthz`)).status).toBe(200); // alive while it drains
    expect(await p.exited).toBe(0);
    expect(await opStatus(op.id)).toMatchObject({ status: 'SUCCEEDED' });
  });
});

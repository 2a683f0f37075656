import { createTestDatabase } from '../support/database';
import { ADMIN_KEY, until } from '../support/app';
import { ServiceProcess, spawnService, waitReady } from '../support/process';
import { checkHistory, Observed } from './history-checker';

/**
 * Three service processes on one PostgreSQL with the simulator, driven by
 * concurrent clients; one replica is SIGKILLed mid-run. Afterwards the whole
 * history is checked (see history-checker.ts).
 */
describe('reliability: three replicas, one killed mid-operation', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const procs: ServiceProcess[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    const env = (i: number) => ({
      DATABASE_URL: db.url,
      ADMIN_API_KEY: ADMIN_KEY,
      INSTANCE_ID: `rel-${i}`,
      LOG_LEVEL: 'error',
      SIMULATOR_TRANSITION_MS: '150',
      SIMULATOR_FLEET_SIZE: '12',
      WORKER_POLL_MS: '50',
      WORKER_LEASE_MS: '1000',
      OPERATION_TIMEOUT_MS: '10000',
      SYNC_ENABLED: 'true',
      SYNC_INTERVAL_MS: '500',
    });
    // Start one first so seeding happens once, then the others.
    procs.push(await spawnService(env(1)));
    await waitReady(procs[0]);
    procs.push(await spawnService(env(2)), await spawnService(env(3)));
    await Promise.all(procs.slice(1).map((p) => waitReady(p)));
  });

  afterAll(async () => {
    for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
    await db.drop();
  });

  it('keeps every promise: no lost action, no double-applied operation, no audit gap, no stranded server', async () => {
    const observed: Observed[] = [];
    const servers = Array.from({ length: 12 }, (_, i) => `srv-${String(i + 1).padStart(3, '0')}`);
    const actions = ['start', 'stop', 'restart', 'sync'];
    const alive = () => procs.filter((p) => p.child.exitCode === null && p.child.signalCode === null);
    let stop = false;
    const client = async (n: number) => {
      for (let i = 0; !stop && i < 400; i++) {
        const live = alive();
        const replica = procs.indexOf(live[(n + i) % live.length]);
        const server = servers[(n * 7 + i * 5) % servers.length];
        const action = actions[(n + i) % actions.length];
        const path = `/v1/servers/${server}/${action}`;
        try {
          const r = await fetch(`${procs[replica].url}${path}`, {
            method: 'POST',
            headers: { Authorization: `Bearer ${ADMIN_KEY}`, 'Content-Type': 'application/json', 'Idempotency-Key': `c${n}-${i}` },
            body: '{}',
          });
          const body = (await r.json()) as { id?: string };
          observed.push({ replica, method: 'POST', path, status: r.status, operationId: r.status === 202 ? body.id : undefined });
          if (r.status >= 500) throw new Error(`5xx from replica ${replica}: ${JSON.stringify(body)}`);
        } catch (e) {
          if ((e as Error).message.startsWith('5xx')) throw e;
          // Connection refused from the replica we killed: the client moves on (not acknowledged).
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const clients = Array.from({ length: 6 }, (_, n) => client(n));
    // Kill replica 2 once it holds an operation mid-flight (a lease it will never release).
    const { Client: PgClient } = await import('pg');
    const watch = new PgClient({ connectionString: db.url });
    await watch.connect();
    await until('replica 2 to hold an operation', async () => {
      const { rows } = await watch.query(`SELECT 1 FROM operations WHERE status = 'RUNNING' AND "leaseOwner" = 'rel-2' LIMIT 1`);
      return rows.length > 0;
    }, 30_000);
    await watch.end();
    procs[1].child.kill('SIGKILL');
    // Keep the load on the survivors for a while after the kill.
    await new Promise((r) => setTimeout(r, 2500));
    stop = true;
    await Promise.all(clients);

    // Wait until every operation is terminal (the survivors take over the dead replica's leases).
    const { Client } = await import('pg');
    const c = new Client({ connectionString: db.url });
    await c.connect();
    const deadline = Date.now() + 60_000;
    for (;;) {
      const { rows } = await c.query(`SELECT count(*)::int AS n FROM operations WHERE status IN ('PENDING','RUNNING')`);
      const { rows: busy } = await c.query(`SELECT count(*)::int AS n FROM servers WHERE task IS NOT NULL OR status IN ('STARTING','STOPPING','UPGRADING')`);
      if (rows[0].n === 0 && busy[0].n === 0) break;
      if (Date.now() > deadline) throw new Error(`operations still open: ${rows[0].n}, servers busy: ${busy[0].n}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const { rows: taken } = await c.query(`SELECT count(*)::int AS n FROM operations WHERE attempts > 1`);
    await c.end();
    // Shown so a run's figures are visible; the kill lands mid-operation in practice.
    process.stdout.write(`reliability: ${observed.length} requests, ${observed.filter((o) => o.status === 202).length} accepted, ${taken[0].n} operations resumed after the kill\n`);

    const accepted = observed.filter((o) => o.status === 202).length;
    expect(accepted).toBeGreaterThan(20);
    expect(observed.filter((o) => o.status >= 500)).toEqual([]);
    expect(await checkHistory(db.url, observed)).toEqual([]);
  });
});

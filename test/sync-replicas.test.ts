import type { INestApplication } from '@nestjs/common';
import { SyncPoller } from '../src/sync/sync.poller';
import { startTestApp, TestApp, until } from './support/app';

const FLEET = 40;

/** Power reads per machine, from the simulator's own counter of provider calls. */
async function reads(t: TestApp): Promise<Map<string, number>> {
  const { rows } = await t.prisma.pg.query<{ id: string; n: number }>('SELECT id, power_reads::int AS n FROM simulator.machines');
  return new Map(rows.map((r) => [r.id, r.n]));
}

/** Three service instances on one database share the fleet without duplicate checks. */
describe('status sync on three replicas', () => {
  describe('sweeping at once', () => {
    let t: TestApp;
    let pollers: SyncPoller[];
    beforeAll(async () => {
      // Long interval: a server checked once is not due again during the test.
      const env = { SIMULATOR_FLEET_SIZE: String(FLEET), SYNC_INTERVAL_MS: '600000', SYNC_CONCURRENCY: '4' };
      t = await startTestApp(env);
      const others = [await t.replica(env), await t.replica(env)];
      pollers = [t.app, ...others].map((a: INestApplication) => a.get(SyncPoller));
      // Some latency so the three sweeps overlap for real.
      await t.sim.setLatency(null, 15);
    });
    afterAll(() => t.close());

    it('each server is checked exactly once per interval across the replicas', async () => {
      const stats = await Promise.all(pollers.map((p) => p.sweep()));
      expect(stats.reduce((n, s) => n + s.checked, 0)).toBe(FLEET);
      expect(stats.filter((s) => s.checked > 0).length).toBeGreaterThanOrEqual(2); // the work was shared
      expect([...(await reads(t)).values()]).toEqual(Array(FLEET).fill(1));

      // Nothing is due again within the interval.
      const again = await Promise.all(pollers.map((p) => p.sweep()));
      expect(again.reduce((n, s) => n + s.claimed, 0)).toBe(0);
      expect([...(await reads(t)).values()]).toEqual(Array(FLEET).fill(1));

      // Next interval (fast-forwarded on the database clock): once more each.
      await t.prisma.$executeRaw`UPDATE sync_states SET "nextSyncAt" = now()`;
      await Promise.all(pollers.map((p) => p.sweep()));
      expect([...(await reads(t)).values()]).toEqual(Array(FLEET).fill(2));
    });

    it("a replica that dies after claiming loses its claims to the others when they come due", async () => {
      await t.prisma.$executeRaw`UPDATE sync_states SET "nextSyncAt" = now()`;
      const dead = await pollers[0].claim(10); // claimed, never checked
      const deadIds = new Set(dead.map((c) => c.serverId));
      expect(deadIds.size).toBe(10);
      await Promise.all(pollers.slice(1).map((p) => p.sweep()));
      let r = await reads(t);
      for (const [id, n] of r) expect(n).toBe(deadIds.has(id) ? 2 : 3);
      // Its claims expire with the interval; fast-forward them only.
      await t.prisma.$executeRaw`UPDATE sync_states SET "nextSyncAt" = now() WHERE "claimedBy" = ${t.config.instanceId}`;
      await Promise.all(pollers.slice(1).map((p) => p.sweep()));
      r = await reads(t);
      for (const [, n] of r) expect(n).toBe(3);
    });
  });

  it('with the background loop on: no server is read more than once per interval', async () => {
    const INTERVAL = 1000;
    const started = Date.now();
    const env = { SIMULATOR_FLEET_SIZE: String(FLEET), SYNC_ENABLED: 'true', SYNC_INTERVAL_MS: String(INTERVAL), SYNC_CONCURRENCY: '4' };
    const t = await startTestApp(env);
    try {
      const apps = [t.app, await t.replica(env), await t.replica(env)];
      await until('every server read at least twice', async () => [...(await reads(t)).values()].every((n) => n >= 2), 30_000);
      await Promise.all(apps.map((a) => a.get(SyncPoller).stop()));
      const elapsed = Date.now() - started;
      const r = [...(await reads(t)).values()];
      // Claims are spaced by the interval on the database clock, so within `elapsed`
      // a server can be read at most floor(elapsed / interval) + 1 times.
      expect(Math.max(...r)).toBeLessThanOrEqual(Math.floor(elapsed / INTERVAL) + 1);
      // Which loop wakes first is up to the scheduler: on a busy machine one replica may
      // claim a whole interval's work, which is correct. That the work is shared when
      // sweeps overlap is shown deterministically by 'sweeping at once' above.
    } finally {
      await t.close();
    }
  });
});

import { SyncPoller } from '../src/sync/sync.poller';
import { bearer, settled, startTestApp, TestApp, until } from './support/app';

/**
 * The background status-sync poller against real PostgreSQL and the simulator.
 * Sweeps are driven directly (SYNC_ENABLED=false here) and servers are made due
 * explicitly, so every assertion is about one known pass.
 */
describe('status-sync poller', () => {
  let t: TestApp;
  let poller: SyncPoller;
  beforeAll(async () => {
    t = await startTestApp({ SYNC_CALL_TIMEOUT_MS: '300', SYNC_GRACE_OBSERVATIONS: '2', SYNC_UNREACHABLE_THRESHOLD: '3', SYNC_INTERVAL_MS: '60000' });
    poller = t.app.get(SyncPoller);
  });
  afterAll(() => t.close());
  const auth = () => bearer(t.admin);
  // Each test looks only at the audit rows written since it began.
  let since = 0n;
  beforeEach(async () => {
    since = (await t.prisma.auditEvent.aggregate({ _max: { sequence: true } }))._max.sequence ?? 0n;
  });

  /** One sweep over the whole fleet, now. */
  const pass = async () => {
    await poller.ensureStates();
    await t.prisma.$executeRaw`UPDATE sync_states SET "nextSyncAt" = now()`;
    return poller.sweep();
  };
  const server = (id: string) => t.prisma.server.findUniqueOrThrow({ where: { id } });
  const syncTransitions = (id: string) => t.prisma.auditEvent.findMany({ where: { resourceId: id, actorId: 'system:status-sync', sequence: { gt: since } }, orderBy: { sequence: 'asc' } });
  const setPolicy = (pool: string, policy: string) => t.http.put(`/v1/pools/${pool}/sync-policy`).set(auth()).send({ policy }).expect(200);

  /** Console and hardware back to the seed: srv-001 RUNNING/ON, srv-003 STOPPED/OFF (test setup, direct writes). */
  async function restore() {
    for (const [id, status, power] of [['srv-001', 'RUNNING', 'ON'], ['srv-003', 'STOPPED', 'OFF']] as const) {
      await t.sim.setPower(id, power);
      await t.prisma.server.update({ where: { id }, data: { status, task: null, statusReason: null, version: { increment: 1 } } });
    }
    await t.prisma.syncState.updateMany({ data: { pendingDrift: null, pendingDriftCount: 0, consecutiveFailures: 0 } });
  }

  it('no drift: no write besides the batched lastSyncedAt (no version, updatedAt or audit change)', async () => {
    await pass(); // creates sync_states rows and settles the seed
    const before = await t.prisma.server.findMany({ orderBy: { id: 'asc' } });
    const audits = await t.prisma.auditEvent.count();
    const stats = await pass();
    expect(stats).toMatchObject({ claimed: 8, checked: 8, driftFound: 0, repaired: 0 });
    const after = await t.prisma.server.findMany({ orderBy: { id: 'asc' } });
    expect(after.map((s) => [s.id, s.version, s.updatedAt.getTime()])).toEqual(before.map((s) => [s.id, s.version, s.updatedAt.getTime()]));
    for (let i = 0; i < after.length; i++) expect(after[i].lastSyncedAt!.getTime()).toBeGreaterThan(before[i].lastSyncedAt!.getTime());
    expect(await t.prisma.auditEvent.count()).toBe(audits);
  });

  describe.each(['ADOPT', 'ENFORCE', 'OBSERVE'])('policy %s', (policy) => {
    beforeAll(async () => {
      await setPolicy('pool-ascend-a', policy.toLowerCase());
      await restore();
    });

    it.each([
      ['POWERED_OFF', 'srv-001', 'RUNNING', 'OFF', 'STOPPED', 'START'],
      ['POWERED_ON', 'srv-003', 'STOPPED', 'ON', 'RUNNING', 'STOP'],
    ] as const)('%s (%s recorded %s, power %s)', async (kind, id, recorded, power, adopted, enforceOp) => {
      await t.sim.setPower(id, power);
      await pass();
      // Grace period: one observation is not enough.
      expect(await server(id)).toMatchObject({ status: recorded });
      expect(await syncTransitions(id)).toHaveLength(0);
      await pass();
      const rows = await syncTransitions(id);
      if (policy === 'OBSERVE') {
        expect(await server(id)).toMatchObject({ status: recorded });
        expect(rows.map((r) => [r.type, r.action])).toEqual([['SYNC', 'server.drift']]);
        expect(rows[0].details).toMatchObject({ drift: kind, policy: 'OBSERVE', observedPower: power });
        await pass(); // reported once per episode
        expect(await syncTransitions(id)).toHaveLength(1);
        await t.sim.setPower(id, power === 'ON' ? 'OFF' : 'ON');
        return;
      }
      expect(rows[0]).toMatchObject({ type: 'STATE_TRANSITION', fromStatus: recorded, toStatus: adopted });
      expect(rows[0].details).toMatchObject({ drift: kind, policy, observedPower: power });
      if (policy === 'ADOPT') {
        expect(await server(id)).toMatchObject({ status: adopted, task: null });
        expect(await t.prisma.operation.count({ where: { serverId: id, requestedById: 'system:status-sync' } })).toBe(0);
        return;
      }
      // ENFORCE: a normal operation by the system principal drives the hardware back.
      const op = await t.prisma.operation.findFirstOrThrow({ where: { serverId: id, requestedById: 'system:status-sync' } });
      expect(op.type).toBe(enforceOp);
      expect((await settled(t, op.id)).status).toBe('SUCCEEDED');
      expect(await server(id)).toMatchObject({ status: recorded, task: null });
      expect((await t.sim.inspect(id)).power).toBe(power === 'ON' ? 'OFF' : 'ON');
      const accepted = await t.prisma.auditEvent.findFirstOrThrow({ where: { operationId: op.id, type: 'ACTION', outcome: 'ACCEPTED' } });
      expect(accepted).toMatchObject({ actorId: 'system:status-sync', actorType: 'SYSTEM' });
    });
  });

  it('grace period: drift that goes away before it is confirmed changes nothing', async () => {
    await setPolicy('pool-ascend-a', 'adopt');
    await restore();
    const before = await server('srv-005');
    await t.sim.setPower('srv-005', 'OFF');
    await pass();
    await t.sim.setPower('srv-005', 'ON');
    await pass();
    await pass();
    expect(await server('srv-005')).toMatchObject({ status: 'RUNNING', version: before.version });
    expect(await syncTransitions('srv-005')).toHaveLength(0);
    expect(await t.prisma.syncState.findUniqueOrThrow({ where: { serverId: 'srv-005' } })).toMatchObject({ pendingDrift: null, pendingDriftCount: 0 });
  });

  it("a user's action landing mid-check wins (compare-and-swap)", async () => {
    await t.sim.setPower('srv-005', 'OFF');
    await pass(); // first observation
    await t.sim.setLatency('srv-005', 250);
    await t.prisma.$executeRaw`UPDATE sync_states SET "nextSyncAt" = now()`;
    const reads = (await t.sim.inspect('srv-005')).powerReads;
    const sweeping = poller.sweep();
    // The poller has read the console record and is waiting on the hardware: the user stops the server.
    await until('poller reading srv-005', async () => (await t.sim.inspect('srv-005')).powerReads > reads);
    const r = await t.http.post('/v1/servers/srv-005/stop').set(auth()).send({}).expect(202);
    await sweeping;
    expect(await syncTransitions('srv-005')).toHaveLength(0);
    await t.sim.setLatency('srv-005', 0);
    expect((await settled(t, r.body.id)).status).toBe('SUCCEEDED');
    expect(await server('srv-005')).toMatchObject({ status: 'STOPPED', task: null });
    // And the poller, next time, finds nothing to do.
    await pass();
    expect(await syncTransitions('srv-005')).toHaveLength(0);
  });

  it('a stuck STARTING server is resolved from the real state; a recent one is left alone', async () => {
    // srv-007: STOPPED, powered off. An operation that vanished left it STARTING.
    await t.prisma.$executeRaw`UPDATE servers SET status = 'STARTING', task = 'STARTING', version = version + 1, "updatedAt" = now() WHERE id = 'srv-007'`;
    await pass();
    expect(await server('srv-007')).toMatchObject({ status: 'STARTING', task: 'STARTING' });
    await t.prisma.$executeRaw`UPDATE servers SET "updatedAt" = now() - interval '1 hour' WHERE id = 'srv-007'`;
    await pass();
    expect(await server('srv-007')).toMatchObject({ status: 'STOPPED', task: null, statusReason: null });
    const [row] = await syncTransitions('srv-007');
    expect(row).toMatchObject({ fromStatus: 'STARTING', toStatus: 'STOPPED' });
    expect(row.reason).toMatch(/stuck in STARTING/);
  });

  it('a stuck server whose controller does not answer goes to ERROR with a reason', async () => {
    await t.prisma.$executeRaw`UPDATE servers SET status = 'STOPPING', task = 'STOPPING', version = version + 1, "updatedAt" = now() - interval '1 hour' WHERE id = 'srv-001'`;
    await t.sim.setReachable('srv-001', false);
    await pass();
    const s = await server('srv-001');
    expect(s).toMatchObject({ status: 'ERROR', task: null });
    expect(s.statusReason).toMatch(/^STUCK_STOPPING: controller did not answer/);
    await t.sim.setReachable('srv-001', true);
  });

  it('an unreachable controller: ERROR BMC_UNREACHABLE after the threshold, restored when it answers', async () => {
    await t.sim.setReachable('srv-002', false);
    await pass();
    await pass();
    expect(await server('srv-002')).toMatchObject({ status: 'RUNNING' });
    await pass();
    expect(await server('srv-002')).toMatchObject({ status: 'ERROR', statusReason: 'BMC_UNREACHABLE' });
    expect((await syncTransitions('srv-002')).at(-1)).toMatchObject({ fromStatus: 'RUNNING', toStatus: 'ERROR' });
    await pass(); // still unreachable: nothing more
    expect(await syncTransitions('srv-002')).toHaveLength(1);
    await t.sim.setReachable('srv-002', true);
    await pass();
    expect(await server('srv-002')).toMatchObject({ status: 'RUNNING', statusReason: null });
    expect((await syncTransitions('srv-002')).at(-1)).toMatchObject({ fromStatus: 'ERROR', toStatus: 'RUNNING' });
    expect(await t.prisma.syncState.findUniqueOrThrow({ where: { serverId: 'srv-002' } })).toMatchObject({ consecutiveFailures: 0 });
  });

  it('a hung controller cannot stall the sweep (per-call timeout) and counts as a failure', async () => {
    await t.sim.setHang('srv-004', true);
    const started = Date.now();
    const stats = await pass();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(stats.unreachable).toBe(1);
    expect(await t.prisma.syncState.findUniqueOrThrow({ where: { serverId: 'srv-004' } })).toMatchObject({ consecutiveFailures: 1 });
    await t.sim.setHang('srv-004', false);
    await pass();
    expect(await t.prisma.syncState.findUniqueOrThrow({ where: { serverId: 'srv-004' } })).toMatchObject({ consecutiveFailures: 0 });
  });

  it('servers with an operation in flight are skipped', async () => {
    const r = await t.http.post('/v1/servers/srv-006/stop').set(auth()).send({}).expect(202);
    await t.sim.setLatency('srv-006', 200);
    const reads = (await t.sim.inspect('srv-006')).powerReads;
    await until('stop in flight', async () => (await server('srv-006')).task === 'STOPPING');
    const stats = await pass();
    expect(stats.skipped).toBeGreaterThanOrEqual(1);
    await t.sim.setLatency('srv-006', 0);
    await settled(t, r.body.id);
    // Reads by the worker only; the poller did not ask the hardware for srv-006.
    expect(await syncTransitions('srv-006')).toHaveLength(0);
    expect((await t.sim.inspect('srv-006')).powerReads).toBeGreaterThan(reads);
  });

  it('hardware faults from the health check are recorded once', async () => {
    await t.http.post('/v1/simulator/servers/srv-008/faults').set(auth()).send({ component: 'GPU3', severity: 'MAJOR', description: 'XID 79: fallen off the bus' }).expect(200);
    await pass();
    await pass();
    const faults = await t.prisma.fault.findMany({ where: { serverId: 'srv-008' } });
    expect(faults).toHaveLength(1);
    expect(faults[0]).toMatchObject({ component: 'GPU3', severity: 'MAJOR', source: 'health-check' });
  });

  it('exposes sweep duration, servers checked, drift by kind and provider errors on /metrics', async () => {
    const text = (await t.http.get('/metrics').expect(200)).text;
    expect(text).toMatch(/sync_sweep_duration_seconds_count \d+/);
    expect(text).toMatch(/sync_servers_checked_total\{outcome="in_sync"\} \d+/);
    expect(text).toMatch(/sync_drift_found_total\{kind="POWERED_OFF"\} \d+/);
    expect(text).toMatch(/sync_drift_repaired_total\{kind="BMC_UNREACHABLE",policy="ADOPT"\} 1/);
    expect(text).toMatch(/sync_provider_errors_total\{call="power",code="BMC_UNREACHABLE"\} \d+/);
    expect(text).toMatch(/sync_provider_errors_total\{call="power",code="PROVIDER_TIMEOUT"\} \d+/);
  });
});

describe('GET/PUT /v1/pools/{id}/sync-policy', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('reads with pools:read, writes with pools:admin, audited', async () => {
    const viewer = await t.key('viewer');
    const operator = await t.key('operator');
    expect((await t.http.get('/v1/pools/pool-gpu-b/sync-policy').set(bearer(viewer)).expect(200)).body).toMatchObject({ poolId: 'pool-gpu-b', policy: 'ADOPT' });
    const denied = await t.http.put('/v1/pools/pool-gpu-b/sync-policy').set(bearer(operator)).send({ policy: 'enforce' }).expect(403);
    expect(denied.body.error.code).toBe('FORBIDDEN');
    const r = await t.http.put('/v1/pools/pool-gpu-b/sync-policy').set(bearer(t.admin)).send({ policy: 'enforce' }).expect(200);
    expect(r.body).toMatchObject({ poolId: 'pool-gpu-b', policy: 'ENFORCE' });
    expect((await t.http.get('/v1/pools/pool-gpu-b').set(bearer(viewer))).body.syncPolicy).toBe('ENFORCE');
    const row = await t.prisma.auditEvent.findFirstOrThrow({ where: { action: 'pool.sync-policy', outcome: 'SUCCEEDED' } });
    expect(row).toMatchObject({ type: 'CONFIG', resourceType: 'pool', resourceId: 'pool-gpu-b', fromStatus: null, details: { from: 'ADOPT', to: 'ENFORCE' } });
    const refused = await t.prisma.auditEvent.findFirst({ where: { action: 'pool.sync-policy', outcome: 'DENIED' } });
    expect(refused).toBeTruthy();
  });

  it('bad input is a 400 naming the field; unknown pools are 404, also when outside the key scope', async () => {
    const bad = await t.http.put('/v1/pools/pool-gpu-b/sync-policy').set(bearer(t.admin)).send({ policy: 'sometimes' }).expect(400);
    expect(bad.body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: { fields: [{ field: 'policy' }] } });
    await t.http.put('/v1/pools/pool-gpu-b/sync-policy').set(bearer(t.admin)).send({ policy: 'adopt', extra: 1 }).expect(400);
    await t.http.put('/v1/pools/pool-gpu-b/sync-policy').set(bearer(t.admin)).send({}).expect(400);
    await t.http.get('/v1/pools/nope/sync-policy').set(bearer(t.admin)).expect(404);
    const scoped = await t.key('viewer', ['pool-ascend-a']);
    await t.http.get('/v1/pools/pool-gpu-b/sync-policy').set(bearer(scoped)).expect(404);
  });
});

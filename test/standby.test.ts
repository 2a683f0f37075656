import { bearer, settled, startTestApp, TestApp, until } from './support/app';

type Row = { type: string; action: string; outcome: string; actor: { type: string; id: string; name: string }; resource: { type: string; id: string }; operationId: string | null; details: Record<string, unknown> | null; reason: string | null };

/**
 * Hot standby per pool, automatic and manual failover, and concurrent faults.
 * Seed: pool-ascend-a = srv-001 (RUNNING), 003 (STOPPED), 005 (RUNNING), 007 (STOPPED);
 *       pool-gpu-b    = srv-002 (RUNNING), 004 (STOPPED), 006 (RUNNING), 008 (STOPPED).
 */
describe('hot standby and failover', () => {
  let t: TestApp;
  let operator: string;
  let auditor: string;
  beforeAll(async () => {
    t = await startTestApp({ REPAIR_DURATION_MS: '100' });
    operator = await t.key('operator');
    auditor = await t.key('auditor');
  });
  afterAll(() => t.close());

  const admin = () => bearer(t.admin);
  const server = (id: string) => t.http.get(`/v1/servers/${id}`).set(admin()).then((r) => r.body);
  const audit = async (q: string): Promise<Row[]> => {
    const r = await t.http.get(`/v1/audit-events?${q}&limit=200`).set(bearer(auditor));
    if (r.status !== 200) throw new Error(JSON.stringify(r.body));
    return r.body.items;
  };
  const critical = (id: string) => t.http.post(`/v1/servers/${id}/faults`).set(bearer(operator)).send({ component: 'GPU', severity: 'CRITICAL', description: 'uncorrectable ECC errors' });
  const configure = (pool: string, body: object, key = t.admin) => t.http.put(`/v1/pools/${pool}/hot-standby`).set(bearer(key)).send(body);

  it('configures hot standby per pool (admin), validating the standbys', async () => {
    const empty = await t.http.get('/v1/pools/pool-ascend-a/hot-standby').set(bearer(operator)).expect(200);
    expect(empty.body).toMatchObject({ poolId: 'pool-ascend-a', enabled: false, autoFailover: false, standbyServerIds: [] });
    await configure('pool-ascend-a', { enabled: true, autoFailover: true, standbyServerIds: ['srv-005'] }, operator).expect(403);
    const stopped = await configure('pool-ascend-a', { enabled: true, autoFailover: true, standbyServerIds: ['srv-003'] }).expect(409);
    expect(stopped.body.error).toMatchObject({ code: 'INVALID_STATE', details: { serverId: 'srv-003', currentStatus: 'STOPPED' } });
    const foreign = await configure('pool-ascend-a', { enabled: true, autoFailover: true, standbyServerIds: ['srv-002'] }).expect(400);
    expect(foreign.body.error.details.fields[0].field).toBe('standbyServerIds');
    await configure('pool-ascend-a', { enabled: false, autoFailover: false, standbyServerIds: ['srv-005'] }).expect(400);
    await configure('pool-ascend-a', { enabled: true, standbyServerIds: [] }).expect(400);
    await configure('pool-nope', { enabled: true, autoFailover: true, standbyServerIds: [] }).expect(404);

    const r = await configure('pool-ascend-a', { enabled: true, autoFailover: true, standbyServerIds: ['srv-005'] }).expect(200);
    expect(r.body).toMatchObject({ enabled: true, autoFailover: true, standbyServerIds: ['srv-005'], standbys: [{ id: 'srv-005', status: 'RUNNING', available: true }] });
    expect(await server('srv-005')).toMatchObject({ role: 'STANDBY', status: 'RUNNING' });
    expect((await t.http.get('/v1/pools/pool-ascend-a').set(admin())).body.hotStandby).toEqual({ enabled: true, autoFailover: true });
    const rows = await audit('poolId=pool-ascend-a&type=CONFIG');
    expect(rows.map((e) => [e.action, e.resource.id])).toEqual([['pool.hot-standby', 'pool-ascend-a'], ['server.role', 'srv-005']]);
    expect(rows[0].details).toMatchObject({ before: { enabled: false, standbyServerIds: [] }, after: { enabled: true, standbyServerIds: ['srv-005'] } });
  });

  it('standby nodes refuse lifecycle actions except by admins', async () => {
    const r = await t.http.post('/v1/servers/srv-005/stop').set(bearer(operator)).send({}).expect(403);
    expect(r.body.error).toMatchObject({ code: 'STANDBY_ADMIN_ONLY', details: { serverId: 'srv-005', action: 'stop' } });
    const sync = await t.http.post('/v1/servers/srv-005/sync').set(bearer(operator)).expect(202);
    await settled(t, sync.body.id);
    const refused = await audit('resourceId=srv-005&action=server.stop&outcome=REJECTED');
    expect(refused).toHaveLength(1);
    // Active servers are unaffected.
    const ok = await t.http.post('/v1/servers/srv-003/start').set(bearer(operator)).expect(202);
    expect((await settled(t, ok.body.id)).status).toBe('SUCCEEDED');
  });

  it('auto-failover: a CRITICAL fault on an ACTIVE server swaps in the standby at once', async () => {
    const f = await critical('srv-001').expect(201);
    expect(f.body.maintenanceEvent).toMatchObject({ replacementServerId: 'srv-005', standbyNote: null, previousRole: 'ACTIVE' });
    expect(await server('srv-001')).toMatchObject({ status: 'ERROR', role: 'STANDBY' });
    expect(await server('srv-005')).toMatchObject({ status: 'RUNNING', role: 'ACTIVE' });
    const ops = (await t.http.get('/v1/operations?serverId=srv-001&type=FAILOVER').set(admin())).body.items;
    expect(ops).toEqual([expect.objectContaining({ status: 'SUCCEEDED', params: expect.objectContaining({ standbyServerId: 'srv-005', trigger: 'AUTO', maintenanceEventId: f.body.maintenanceEvent.id }) })]);
    const rows = await audit(`operationId=${ops[0].id}`);
    expect(rows.map((e) => [e.action, e.outcome, e.resource.id, e.actor.id])).toEqual([
      ['server.failover', 'SUCCEEDED', 'srv-001', 'system:hot-standby'],
      ['server.failover', 'SUCCEEDED', 'srv-005', 'system:hot-standby'],
    ]);
    expect(rows[1].details).toMatchObject({ fromRole: 'STANDBY', toRole: 'ACTIVE', faultId: f.body.fault.id });
  });

  it('no standby left: the event says so and the fault waits for repair; manual failover gets 409', async () => {
    const f = await critical('srv-005').expect(201);
    expect(f.body.maintenanceEvent).toMatchObject({ replacementServerId: null, standbyNote: expect.stringContaining('No healthy RUNNING standby') });
    expect(await server('srv-005')).toMatchObject({ status: 'ERROR', role: 'ACTIVE' });
    const r = await t.http.post('/v1/servers/srv-005/failover').set(admin()).send({}).expect(409);
    expect(r.body.error.code).toBe('NO_STANDBY_AVAILABLE');
    expect(await audit('resourceId=srv-005&action=server.failover&outcome=REJECTED')).toHaveLength(1);
  });

  it('a repaired node rejoins as STANDBY when a standby took its place, and is not powered on', async () => {
    const ev = (await t.http.get('/v1/maintenance-events?serverId=srv-001').set(admin())).body.items[0];
    await t.http.post(`/v1/maintenance-events/${ev.id}/authorize`).set(admin()).send({ note: 'repair it' }).expect(201);
    await until('repair done', async () => (await t.http.get(`/v1/maintenance-events/${ev.id}`).set(admin())).body.status === 'COMPLETED');
    expect(await server('srv-001')).toMatchObject({ status: 'STOPPED', role: 'STANDBY', task: null });
    expect((await t.sim.inspect('srv-001')).power).toBe('OFF');
    // An operator may not start a standby; an admin brings it back into readiness.
    await t.http.post('/v1/servers/srv-001/start').set(bearer(operator)).expect(403);
    const start = await t.http.post('/v1/servers/srv-001/start').set(admin()).expect(202);
    expect((await settled(t, start.body.id)).status).toBe('SUCCEEDED');
    const hs = await t.http.get('/v1/pools/pool-ascend-a/hot-standby').set(admin()).expect(200);
    expect(hs.body.standbys).toEqual([expect.objectContaining({ id: 'srv-001', available: true })]);
  });

  it('two simultaneous faults in a pool with one standby promote it only once', async () => {
    // srv-003 (RUNNING since the earlier start) and srv-007 (STOPPED) are ACTIVE; srv-001 is the one standby.
    const [a, b] = await Promise.all([critical('srv-003'), critical('srv-007')]);
    expect([a.status, b.status]).toEqual([201, 201]);
    const events = [a.body.maintenanceEvent, b.body.maintenanceEvent];
    const promoted = events.filter((e) => e.replacementServerId === 'srv-001');
    expect(promoted).toHaveLength(1);
    const other = events.find((e) => e !== promoted[0]);
    expect(other).toMatchObject({ replacementServerId: null, standbyNote: expect.stringContaining('No healthy RUNNING standby') });
    expect(await server('srv-001')).toMatchObject({ role: 'ACTIVE', status: 'RUNNING' });
    const ops = await t.prisma.operation.findMany({ where: { type: 'FAILOVER', params: { path: ['standbyServerId'], equals: 'srv-001' } } });
    expect(ops).toHaveLength(1);
    expect(ops[0].serverId).toBe(promoted[0].serverId);
  });

  it('manual failover when autoFailover is off (admin only)', async () => {
    await configure('pool-gpu-b', { enabled: true, autoFailover: false, standbyServerIds: ['srv-006'] }).expect(200);
    const f = await critical('srv-002').expect(201);
    expect(f.body.maintenanceEvent).toMatchObject({ replacementServerId: null, standbyNote: expect.stringContaining('Automatic failover is off') });
    expect(await server('srv-002')).toMatchObject({ status: 'ERROR', role: 'ACTIVE' });
    await t.http.post('/v1/servers/srv-002/failover').set(bearer(operator)).send({}).expect(403);
    const notActive = await t.http.post('/v1/servers/srv-006/failover').set(admin()).send({}).expect(409);
    expect(notActive.body.error.code).toBe('INVALID_STATE');
    const r = await t.http.post('/v1/servers/srv-002/failover').set(admin()).send({}).expect(202);
    expect(r.headers.location).toBe(`/v1/operations/${r.body.id}`);
    expect(r.body).toMatchObject({ type: 'FAILOVER', status: 'SUCCEEDED', serverId: 'srv-002', params: { standbyServerId: 'srv-006', trigger: 'MANUAL' }, requestedBy: { type: 'API_KEY' } });
    expect(await server('srv-002')).toMatchObject({ role: 'STANDBY', status: 'ERROR' });
    expect(await server('srv-006')).toMatchObject({ role: 'ACTIVE', status: 'RUNNING' });
    const ev = (await t.http.get(`/v1/maintenance-events/${f.body.maintenanceEvent.id}`).set(admin())).body;
    expect(ev).toMatchObject({ replacementServerId: 'srv-006', standbyNote: null });
    const rows = await audit(`operationId=${r.body.id}`);
    expect(rows.map((e) => [e.action, e.outcome, e.resource.id, e.actor.type])).toEqual([
      ['server.failover', 'SUCCEEDED', 'srv-002', 'API_KEY'],
      ['server.failover', 'SUCCEEDED', 'srv-006', 'API_KEY'],
    ]);
    // Hot standby off: nothing to fail over to.
    await configure('pool-gpu-b', { enabled: false, autoFailover: false, standbyServerIds: [] }).expect(200);
    expect(await server('srv-002')).toMatchObject({ role: 'ACTIVE' });
    await t.http.post('/v1/servers/srv-006/failover').set(admin()).send({}).expect(409);
  });
});

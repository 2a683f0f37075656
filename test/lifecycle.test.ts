import { bearer, settled, startTestApp, TestApp, until } from './support/app';

/** Each lifecycle action through the worker against real PostgreSQL and the simulator. */
describe('server lifecycle (REST, worker, simulator)', () => {
  let t: TestApp;
  let auditor: string;
  beforeAll(async () => {
    t = await startTestApp();
    auditor = await t.key('auditor');
  });
  afterAll(() => t.close());

  const auth = () => bearer(t.admin);
  const audit = (q: string) => t.http.get(`/v1/audit-events?${q}&limit=200`).set(bearer(auditor)).then((r) => { if (r.status !== 200) throw new Error(JSON.stringify(r.body)); return r.body.items; });

  it('shows a server with the details the seed lists', async () => {
    const r = await t.http.get('/v1/servers/srv-001').set(auth()).expect(200);
    expect(r.body).toMatchObject({
      id: 'srv-001',
      status: 'RUNNING',
      role: 'ACTIVE',
      task: null,
      compute: { acceleratorType: 'NPU', acceleratorCount: 8 },
      network: { vpcId: expect.any(String), subnetId: expect.any(String), ipAddress: expect.any(String) },
      storage: { systemDisk: { type: 'SSD', sizeGb: 480 } },
      image: { id: 'img-euleros-2.10-arm-ascend' },
      allowedOperations: expect.arrayContaining(['stop', 'restart', 'sync', 'rename']),
      version: expect.any(Number),
    });
    expect(r.body.uptimeSeconds).toEqual(expect.any(Number));
    expect(r.headers['x-request-id']).toBeTruthy();
    expect(r.headers.etag).toBe(`"srv-001.v${r.body.version}"`);
  });

  it('lists with filters and cursor pagination', async () => {
    const all = await t.http.get('/v1/servers?limit=3').set(auth()).expect(200);
    expect(all.body.items).toHaveLength(3);
    const next = await t.http.get(`/v1/servers?limit=3&cursor=${all.body.nextCursor}`).set(auth()).expect(200);
    expect(next.body.items[0].id > all.body.items[2].id).toBe(true);
    const stopped = await t.http.get('/v1/servers?status=STOPPED&limit=100').set(auth()).expect(200);
    expect(stopped.body.items.length).toBeGreaterThan(0);
    expect(stopped.body.items.every((s: { status: string }) => s.status === 'STOPPED')).toBe(true);
    const q = await t.http.get('/v1/servers?q=GPU-NODE&poolId=pool-gpu-b').set(auth()).expect(200);
    expect(q.body.items.every((s: { name: string; poolId: string }) => s.name.startsWith('gpu-node') && s.poolId === 'pool-gpu-b')).toBe(true);
  });

  it('stop: RUNNING -> STOPPING -> STOPPED, with operation and audit rows', async () => {
    const r = await t.http.post('/v1/servers/srv-001/stop').set(auth()).send({}).expect(202);
    expect(r.headers.location).toBe(`/v1/operations/${r.body.id}`);
    expect(r.body).toMatchObject({ type: 'STOP', serverId: 'srv-001', error: null, requestedBy: { type: 'API_KEY' } });
    const during = await t.http.get('/v1/servers/srv-001').set(auth());
    expect(['STOPPING', 'STOPPED']).toContain(during.body.status);
    const op = await settled(t, r.body.id);
    expect(op).toMatchObject({ status: 'SUCCEEDED', error: null });
    expect(op.startedAt).toBeTruthy();
    expect(op.finishedAt).toBeTruthy();
    const s = await t.http.get('/v1/servers/srv-001').set(auth()).expect(200);
    expect(s.body).toMatchObject({ status: 'STOPPED', task: null, uptimeSeconds: null });
    expect((await t.sim.inspect('srv-001')).power).toBe('OFF');
    const rows = await audit(`operationId=${r.body.id}`);
    expect(rows.map((e: { type: string; outcome: string; fromStatus: string; toStatus: string }) => [e.type, e.outcome, e.fromStatus, e.toStatus])).toEqual([
      ['ACTION', 'ACCEPTED', null, null],
      ['STATE_TRANSITION', 'SUCCEEDED', 'RUNNING', 'STOPPING'],
      ['STATE_TRANSITION', 'SUCCEEDED', 'STOPPING', 'STOPPED'],
      ['ACTION', 'SUCCEEDED', null, null],
    ]);
    expect(rows[0]).toMatchObject({ action: 'server.stop', actor: { type: 'API_KEY' }, resource: { type: 'server', id: 'srv-001' }, requestId: r.headers['x-request-id'] });
  });

  it('start: STOPPED -> STARTING -> RUNNING', async () => {
    const r = await t.http.post('/v1/servers/srv-001/start').set(auth()).expect(202);
    expect((await settled(t, r.body.id)).status).toBe('SUCCEEDED');
    const s = await t.http.get('/v1/servers/srv-001').set(auth());
    expect(s.body).toMatchObject({ status: 'RUNNING', task: null });
    const rows = await audit(`operationId=${r.body.id}&type=STATE_TRANSITION`);
    expect(rows.map((e: { fromStatus: string; toStatus: string }) => `${e.fromStatus}->${e.toStatus}`)).toEqual(['STOPPED->STARTING', 'STARTING->RUNNING']);
  });

  it('restart (HARD): RUNNING -> STOPPING -> STARTING -> RUNNING', async () => {
    const r = await t.http.post('/v1/servers/srv-001/restart').set(auth()).send({ type: 'HARD' }).expect(202);
    expect(r.body.params).toEqual({ type: 'HARD' });
    expect((await settled(t, r.body.id)).status).toBe('SUCCEEDED');
    const rows = await audit(`operationId=${r.body.id}&type=STATE_TRANSITION`);
    expect(rows.map((e: { fromStatus: string; toStatus: string }) => `${e.fromStatus}->${e.toStatus}`)).toEqual(['RUNNING->STOPPING', 'STOPPING->STARTING', 'STARTING->RUNNING']);
  });

  it('restart from ERROR brings the server back', async () => {
    await t.prisma.server.update({ where: { id: 'srv-002' }, data: { status: 'ERROR', statusReason: 'test' } });
    const r = await t.http.post('/v1/servers/srv-002/restart').set(auth()).send({}).expect(202);
    expect((await settled(t, r.body.id)).status).toBe('SUCCEEDED');
    expect((await t.http.get('/v1/servers/srv-002').set(auth())).body).toMatchObject({ status: 'RUNNING', statusReason: null });
  });

  it('a task in progress refuses other actions with 409 INVALID_STATE and a hint', async () => {
    const stop = await t.http.post('/v1/servers/srv-005/stop').set(auth()).send({ force: false }).expect(202);
    const r = await t.http.post('/v1/servers/srv-005/restart').set(auth()).send({}).expect(409);
    expect(r.body.error).toMatchObject({
      code: 'INVALID_STATE',
      details: { currentStatus: 'STOPPING', task: 'STOPPING', allowedOperations: ['sync', 'rename'] },
    });
    await settled(t, stop.body.id);
    const again = await t.http.post('/v1/servers/srv-005/stop').set(auth()).send({}).expect(409);
    expect(again.body.error.details).toMatchObject({ currentStatus: 'STOPPED', task: null });
    expect(again.body.error.details.allowedOperations).toContain('start');
    const rejected = await audit('resourceId=srv-005&outcome=REJECTED');
    expect(rejected.map((e: { action: string }) => e.action)).toEqual(['server.restart', 'server.stop']);
  });

  it('a failed provider step ends the operation FAILED and the server truthful', async () => {
    await t.http.post('/v1/simulator/servers/srv-003/fail-next').set(auth()).send({ command: 'POWER_ON', message: 'BMC refused power-on: PSU fault' }).expect(200);
    const r = await t.http.post('/v1/servers/srv-003/start').set(auth()).expect(202);
    const op = await settled(t, r.body.id);
    expect(op).toMatchObject({ status: 'FAILED', error: { code: 'POWER_ON_FAILED', message: 'BMC refused power-on: PSU fault' } });
    const s = await t.http.get('/v1/servers/srv-003').set(auth());
    expect(s.body).toMatchObject({ status: 'STOPPED', task: null });
    const rows = await audit(`operationId=${r.body.id}`);
    expect(rows.map((e: { outcome: string }) => e.outcome)).toEqual(['ACCEPTED', 'SUCCEEDED', 'SUCCEEDED', 'FAILED'].slice(0, rows.length));
    expect(rows[rows.length - 1]).toMatchObject({ type: 'ACTION', outcome: 'FAILED', details: { errorCode: 'POWER_ON_FAILED' } });
  });

  it('rename is allowed in every state and audited', async () => {
    const before = await t.http.get('/v1/servers/srv-004').set(auth());
    const r = await t.http.patch('/v1/servers/srv-004').set(auth()).send({ name: 'gpu-renamed-004' }).expect(200);
    expect(r.body).toMatchObject({ name: 'gpu-renamed-004', version: before.body.version + 1 });
    const rows = await audit('resourceId=srv-004&action=server.rename');
    expect(rows[0]).toMatchObject({ outcome: 'SUCCEEDED', details: { from: before.body.name, to: 'gpu-renamed-004' } });
  });

  it('operations are listed by server and status', async () => {
    const r = await t.http.get('/v1/operations?serverId=srv-001&status=SUCCEEDED').set(auth()).expect(200);
    expect(r.body.items.length).toBeGreaterThanOrEqual(3);
    expect(r.body.items.every((o: { serverId: string; status: string }) => o.serverId === 'srv-001' && o.status === 'SUCCEEDED')).toBe(true);
    await t.http.get('/v1/operations/op-unknown').set(auth()).expect(404);
  });

  it('pools and images', async () => {
    const pools = await t.http.get('/v1/pools').set(auth()).expect(200);
    expect(pools.body.items.map((p: { id: string }) => p.id)).toEqual(['pool-ascend-a', 'pool-gpu-b']);
    const images = await t.http.get('/v1/images?accelerator=NPU').set(auth()).expect(200);
    expect(images.body.items.length).toBeGreaterThan(0);
    expect(images.body.items.every((i: { accelerator: string }) => i.accelerator === 'NPU')).toBe(true);
  });

  it('waits for conditions rather than sleeping', async () => {
    const r = await t.http.post('/v1/servers/srv-006/restart').set(auth()).send({ type: 'SOFT' }).expect(202);
    await until('srv-006 running again', async () => (await t.http.get('/v1/servers/srv-006').set(auth())).body.status === 'RUNNING' && (await settled(t, r.body.id)));
  });
});

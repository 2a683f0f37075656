import { OperationWorker } from '../src/operations/operation.worker';
import { bearer, settled, startTestApp, TestApp, until } from './support/app';

type Row = { type: string; action: string; outcome: string; actor: { type: string; id: string; name: string }; resource: { type: string; id: string }; fromStatus: string | null; toStatus: string | null; operationId: string | null; reason: string | null; details: Record<string, unknown> | null };

/** Faults, authorized repair and driver/firmware upgrades, through REST, the worker and the simulator. */
describe('maintenance: faults, authorized repair, upgrades', () => {
  let t: TestApp;
  let operator: string;
  let auditor: string;
  let viewerB: string;
  beforeAll(async () => {
    // Long enough that the crew can report a repair done before the simulator does.
    t = await startTestApp({ REPAIR_DURATION_MS: '1500' });
    operator = await t.key('operator');
    auditor = await t.key('auditor');
    viewerB = await t.key('viewer', ['pool-gpu-b']);
  });
  afterAll(() => t.close());

  const admin = () => bearer(t.admin);
  const server = (id: string) => t.http.get(`/v1/servers/${id}`).set(admin()).then((r) => r.body);
  const event = (id: string) => t.http.get(`/v1/maintenance-events/${id}`).set(admin()).then((r) => r.body);
  const audit = async (q: string): Promise<Row[]> => {
    const r = await t.http.get(`/v1/audit-events?${q}&limit=200`).set(bearer(auditor));
    if (r.status !== 200) throw new Error(JSON.stringify(r.body));
    return r.body.items;
  };
  const fault = (id: string, severity: string, component = 'GPU', key = operator) =>
    t.http.post(`/v1/servers/${id}/faults`).set(bearer(key)).send({ component, severity, description: `${component} ${severity} test fault` });
  const waitEvent = (id: string, status: string) => until(`event ${id} ${status}`, async () => ((await event(id)).status === status ? event(id) : undefined));

  it('fault -> event -> authorize (notBefore) -> repair -> node rejoins STOPPED, every step audited', async () => {
    const f = await fault('srv-001', 'CRITICAL').expect(201);
    expect(f.body.fault).toMatchObject({ serverId: 'srv-001', severity: 'CRITICAL', component: 'GPU', source: 'operator', resolvedAt: null });
    const ev = f.body.maintenanceEvent;
    expect(ev).toMatchObject({ serverId: 'srv-001', poolId: 'pool-ascend-a', status: 'PENDING_AUTHORIZATION', severity: 'CRITICAL', previousRole: 'ACTIVE', allowedActions: ['authorize', 'reject'], decidedById: null });
    expect(await server('srv-001')).toMatchObject({ status: 'ERROR', task: null, statusReason: expect.stringContaining('HARDWARE_FAULT') });

    // A further fault joins the one open event.
    const minor = await fault('srv-001', 'MINOR', 'FAN').expect(201);
    expect(minor.body.maintenanceEvent.id).toBe(ev.id);
    expect(minor.body.maintenanceEvent.faults).toHaveLength(2);
    expect(minor.body.maintenanceEvent.severity).toBe('CRITICAL');

    // Only admins authorize; the route validates its body.
    await t.http.post(`/v1/maintenance-events/${ev.id}/authorize`).set(bearer(operator)).send({ note: 'go' }).expect(403);
    const bad = await t.http.post(`/v1/maintenance-events/${ev.id}/authorize`).set(admin()).send({ note: 'go', notBefore: 'soon' }).expect(400);
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
    await t.http.post(`/v1/maintenance-events/${ev.id}/complete`).set(bearer(operator)).send({ note: 'done' }).expect(409);

    const notBefore = new Date(Date.now() + 500);
    const a = await t.http.post(`/v1/maintenance-events/${ev.id}/authorize`).set(admin()).send({ note: 'window tonight', notBefore: notBefore.toISOString() }).expect(201);
    expect(a.body).toMatchObject({ status: 'AUTHORIZED', decisionNote: 'window tonight', notBefore: notBefore.toISOString(), decidedById: expect.any(String) });
    await t.http.post(`/v1/maintenance-events/${ev.id}/authorize`).set(admin()).send({ note: 'again' }).expect(409);

    await waitEvent(ev.id, 'IN_REPAIR');
    expect(await server('srv-001')).toMatchObject({ status: 'ERROR', task: 'REPAIRING' });
    const done = await waitEvent(ev.id, 'COMPLETED');
    expect(done.completedAt).toBeTruthy();
    expect(done.faults.every((x: { resolvedAt: string | null }) => x.resolvedAt !== null)).toBe(true);
    const s = await server('srv-001');
    expect(s).toMatchObject({ status: 'STOPPED', task: null, statusReason: null, role: 'ACTIVE' });
    expect(await t.sim.inspect('srv-001')).toMatchObject({ power: 'OFF', faults: [] });

    const ops = await t.http.get('/v1/operations?serverId=srv-001&type=REPAIR').set(admin()).expect(200);
    expect(ops.body.items).toHaveLength(1);
    const op = ops.body.items[0];
    expect(op).toMatchObject({ status: 'SUCCEEDED', params: { maintenanceEventId: ev.id } });
    expect(new Date(op.startedAt).getTime()).toBeGreaterThanOrEqual(notBefore.getTime() - 5);

    const evRows = await audit(`resourceId=${ev.id}&outcome=SUCCEEDED`);
    expect(evRows.map((r) => [r.action, r.actor.type, r.fromStatus, r.toStatus])).toEqual([
      ['maintenance.open', 'API_KEY', null, 'PENDING_AUTHORIZATION'],
      ['maintenance.fault-attached', 'API_KEY', null, null],
      ['maintenance.authorize', 'API_KEY', 'PENDING_AUTHORIZATION', 'AUTHORIZED'],
      ['maintenance.start-repair', 'SYSTEM', 'AUTHORIZED', 'IN_REPAIR'],
      ['maintenance.complete', 'SYSTEM', 'IN_REPAIR', 'COMPLETED'],
    ]);
    expect(evRows[0].actor.name).toBe('test-operator');
    expect(evRows[2]).toMatchObject({ actor: { id: a.body.decidedById }, reason: 'window tonight', operationId: op.id, details: { notBefore: notBefore.toISOString() } });
    expect(evRows[4]).toMatchObject({ operationId: op.id, details: { faultsResolved: 2, rejoinsAs: 'ACTIVE' } });
    // The refused attempts (operator, bad body, second authorize) are on record too.
    expect((await audit(`resourceId=${ev.id}`)).length).toBeGreaterThan(evRows.length);

    const srvRows = await audit('resourceId=srv-001&resourceType=server');
    expect(srvRows.map((r) => [r.type, r.action, r.outcome, r.fromStatus, r.toStatus])).toEqual([
      ['FAULT', 'server.fault', 'SUCCEEDED', null, null],
      ['STATE_TRANSITION', 'server.fault', 'SUCCEEDED', 'RUNNING', 'ERROR'],
      ['FAULT', 'server.fault', 'SUCCEEDED', null, null],
      ['ACTION', 'server.repair', 'ACCEPTED', null, null],
      ['STATE_TRANSITION', 'server.repair', 'SUCCEEDED', 'ERROR', 'STOPPED'],
      ['ACTION', 'server.repair', 'SUCCEEDED', null, null],
    ]);
    expect(srvRows[3].actor.id).toBe(a.body.decidedById);
  });

  it('lists events with filters, pool scope and cursor pagination', async () => {
    await fault('srv-003', 'MINOR', 'PSU').expect(201);
    const all = await t.http.get('/v1/maintenance-events?limit=1').set(admin()).expect(200);
    expect(all.body.items).toHaveLength(1);
    const next = await t.http.get(`/v1/maintenance-events?limit=1&cursor=${all.body.nextCursor}`).set(admin()).expect(200);
    expect(next.body.items[0].id).not.toBe(all.body.items[0].id);
    const completed = await t.http.get('/v1/maintenance-events?status=COMPLETED&serverId=srv-001').set(admin()).expect(200);
    expect(completed.body.items.map((e: { serverId: string }) => e.serverId)).toEqual(['srv-001']);
    const pool = await t.http.get('/v1/maintenance-events?poolId=pool-ascend-a').set(admin()).expect(200);
    expect(pool.body.items.length).toBeGreaterThanOrEqual(2);
    // A key scoped to another pool sees none of them.
    expect((await t.http.get('/v1/maintenance-events').set(bearer(viewerB)).expect(200)).body.items).toEqual([]);
    await t.http.get(`/v1/maintenance-events/${all.body.items[0].id}`).set(bearer(viewerB)).expect(404);
    await t.http.post('/v1/servers/srv-002/faults').set(bearer(viewerB)).send({ component: 'GPU', severity: 'MINOR', description: 'x' }).expect(403);
    const bad = await t.http.post('/v1/servers/srv-003/faults').set(bearer(operator)).send({ component: 'GPU', severity: 'FATAL', description: 'x', extra: 1 }).expect(400);
    expect(bad.body.error.details.fields.map((f: { field: string }) => f.field).sort()).toEqual(['extra', 'severity']);
    await t.http.get('/v1/maintenance-events?status=DONE').set(admin()).expect(400);
  });

  it('reject: the event ends, the faults stay open, the server is untouched, a new fault opens a new event', async () => {
    const { body } = await t.http.get('/v1/maintenance-events?serverId=srv-003&status=PENDING_AUTHORIZATION').set(admin()).expect(200);
    const ev = body.items[0];
    expect(await server('srv-003')).toMatchObject({ status: 'STOPPED' }); // not CRITICAL: no ERROR
    await t.http.post(`/v1/maintenance-events/${ev.id}/reject`).set(bearer(operator)).send({ note: 'no' }).expect(403);
    const r = await t.http.post(`/v1/maintenance-events/${ev.id}/reject`).set(admin()).send({ note: 'not worth a visit' }).expect(201);
    expect(r.body).toMatchObject({ status: 'REJECTED', decisionNote: 'not worth a visit', allowedActions: [] });
    expect(r.body.faults[0].resolvedAt).toBeNull();
    await t.http.post(`/v1/maintenance-events/${ev.id}/authorize`).set(admin()).send({ note: 'changed my mind' }).expect(409);
    expect((await t.http.get('/v1/operations?serverId=srv-003&type=REPAIR').set(admin())).body.items).toEqual([]);
    const rows = await audit(`resourceId=${ev.id}&action=maintenance.reject&outcome=SUCCEEDED`);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ type: 'MAINTENANCE', fromStatus: 'PENDING_AUTHORIZATION', toStatus: 'REJECTED', reason: 'not worth a visit', actor: { type: 'API_KEY' } });
    const again = await fault('srv-003', 'MAJOR').expect(201);
    expect(again.body.maintenanceEvent.id).not.toBe(ev.id);
  });

  it('the repair crew reports the node restored before the provider does', async () => {
    const f = await fault('srv-005', 'CRITICAL', 'NPU').expect(201);
    const id = f.body.maintenanceEvent.id;
    await t.http.post(`/v1/maintenance-events/${id}/authorize`).set(admin()).send({ note: 'now' }).expect(201);
    await waitEvent(id, 'IN_REPAIR');
    const c = await t.http.post(`/v1/maintenance-events/${id}/complete`).set(bearer(operator)).send({ note: 'replaced NPU board 3' }).expect(201);
    expect(c.body).toMatchObject({ status: 'COMPLETED', completionNote: 'replaced NPU board 3' });
    expect(await server('srv-005')).toMatchObject({ status: 'STOPPED', task: null, role: 'ACTIVE' });
    const op = (await t.http.get('/v1/operations?serverId=srv-005&type=REPAIR').set(admin())).body.items[0];
    expect(op).toMatchObject({ status: 'SUCCEEDED', step: 'COMPLETED_BY_CREW' });
    await t.http.post(`/v1/maintenance-events/${id}/complete`).set(bearer(operator)).send({ note: 'again' }).expect(409);
    const rows = await audit(`resourceId=${id}&action=maintenance.complete`);
    expect(rows).toEqual([expect.objectContaining({ outcome: 'SUCCEEDED', actor: expect.objectContaining({ name: 'test-operator' }), reason: 'replaced NPU board 3' }), expect.objectContaining({ outcome: 'REJECTED' })]);
    // The worker that was polling the provider stops quietly: nothing overwrites the crew's result.
    await until('the repair worker to let go', async () => t.app.get(OperationWorker).busy === 0);
    expect(await server('srv-005')).toMatchObject({ status: 'STOPPED', task: null });
    expect((await event(id)).status).toBe('COMPLETED');
  });

  it('a failed repair ends the event FAILED and leaves the server in ERROR with the reason', async () => {
    await t.sim.failNext('srv-007', 'REPAIR', 'spare part missing');
    const f = await fault('srv-007', 'CRITICAL', 'MEMORY').expect(201);
    const id = f.body.maintenanceEvent.id;
    await t.http.post(`/v1/maintenance-events/${id}/authorize`).set(admin()).send({ note: 'ok' }).expect(201);
    const ev = await waitEvent(id, 'FAILED');
    expect(ev.faults[0].resolvedAt).toBeNull();
    expect(await server('srv-007')).toMatchObject({ status: 'ERROR', task: null, statusReason: expect.stringContaining('spare part missing') });
    const op = (await t.http.get('/v1/operations?serverId=srv-007&type=REPAIR').set(admin())).body.items[0];
    expect(op).toMatchObject({ status: 'FAILED', error: { code: 'REPAIR_FAILED' } });
    const rows = await audit(`resourceId=${id}&action=maintenance.fail`);
    expect(rows).toEqual([expect.objectContaining({ outcome: 'FAILED', fromStatus: 'IN_REPAIR', toStatus: 'FAILED', actor: expect.objectContaining({ type: 'SYSTEM' }) })]);
  });

  it('a CRITICAL fault aborts the operation in flight; sync then leaves the server in ERROR', async () => {
    await t.sim.setHang('srv-004', true); // the start hangs at the hardware
    const start = await t.http.post('/v1/servers/srv-004/start').set(admin()).expect(202);
    await fault('srv-004', 'CRITICAL', 'MAINBOARD').expect(201);
    const op = await settled(t, start.body.id);
    expect(op).toMatchObject({ status: 'FAILED', error: { code: 'HARDWARE_FAULT' } });
    expect(await server('srv-004')).toMatchObject({ status: 'ERROR', task: null });
    await t.sim.setHang('srv-004', false);
    await t.sim.setPower('srv-004', 'ON');
    const sync = await t.http.post('/v1/servers/srv-004/sync').set(admin()).expect(202);
    expect((await settled(t, sync.body.id)).status).toBe('SUCCEEDED');
    expect(await server('srv-004')).toMatchObject({ status: 'ERROR' });
    const rows = await audit(`operationId=${start.body.id}`);
    expect(rows.map((r) => [r.type, r.outcome, r.fromStatus, r.toStatus])).toEqual([
      ['ACTION', 'ACCEPTED', null, null],
      ['STATE_TRANSITION', 'SUCCEEDED', 'STOPPED', 'STARTING'],
      ['ACTION', 'FAILED', null, null],
    ]);
    const trans = await audit('resourceId=srv-004&type=STATE_TRANSITION&action=server.fault');
    expect(trans).toEqual([expect.objectContaining({ fromStatus: 'STARTING', toStatus: 'ERROR' })]);
  });

  it('upgrade (driver) on a RUNNING server: UPGRADING, then RUNNING with the new version', async () => {
    await t.http.post('/v1/servers/srv-002/upgrade').set(bearer(operator)).send({ component: 'DRIVER', version: '560.35.03' }).expect(403);
    await t.http.post('/v1/servers/srv-002/upgrade').set(admin()).send({ component: 'BIOS', version: '1' }).expect(400);
    const r = await t.http.post('/v1/servers/srv-002/upgrade').set(admin()).send({ component: 'DRIVER', version: '560.35.03' }).expect(202);
    expect(r.body).toMatchObject({ type: 'UPGRADE', params: { component: 'DRIVER', version: '560.35.03' } });
    const during = await t.http.post('/v1/servers/srv-002/upgrade').set(admin()).send({ component: 'FIRMWARE', version: '2' });
    expect([202, 409]).toContain(during.status);
    if (during.status === 202) await settled(t, during.body.id);
    else expect(during.body.error).toMatchObject({ code: 'INVALID_STATE', details: { task: 'UPGRADING' } });
    expect((await settled(t, r.body.id)).status).toBe('SUCCEEDED');
    expect(await server('srv-002')).toMatchObject({ status: 'RUNNING', task: null, driverVersion: '560.35.03' });
    expect((await t.sim.inspect('srv-002')).driverVersion).toBe('560.35.03');
    const rows = await audit(`operationId=${r.body.id}`);
    expect(rows.map((e) => [e.type, e.action, e.outcome, e.fromStatus, e.toStatus])).toEqual([
      ['ACTION', 'server.upgrade', 'ACCEPTED', null, null],
      ['STATE_TRANSITION', 'server.upgrade', 'SUCCEEDED', 'RUNNING', 'UPGRADING'],
      ['STATE_TRANSITION', 'server.upgrade', 'SUCCEEDED', 'UPGRADING', 'RUNNING'],
      ['ACTION', 'server.upgrade', 'SUCCEEDED', null, null],
    ]);
  });

  it('upgrade (firmware) on a STOPPED server returns it STOPPED', async () => {
    const r = await t.http.post('/v1/servers/srv-008/upgrade').set(admin()).send({ component: 'FIRMWARE', version: '96.00.99.00.01' }).expect(202);
    expect((await settled(t, r.body.id)).status).toBe('SUCCEEDED');
    expect(await server('srv-008')).toMatchObject({ status: 'STOPPED', firmwareVersion: '96.00.99.00.01' });
  });

  it('a failed upgrade leaves the server in ERROR with a reason and the old version', async () => {
    const before = await server('srv-006');
    await t.sim.failNext('srv-006', 'UPGRADE', 'flash verification failed');
    const r = await t.http.post('/v1/servers/srv-006/upgrade').set(admin()).send({ component: 'FIRMWARE', version: '97.0' }).expect(202);
    const op = await settled(t, r.body.id);
    expect(op).toMatchObject({ status: 'FAILED', error: { code: 'UPGRADE_FAILED' } });
    expect(await server('srv-006')).toMatchObject({ status: 'ERROR', task: null, firmwareVersion: before.firmwareVersion, statusReason: expect.stringContaining('flash verification failed') });
    const rows = await audit(`operationId=${r.body.id}`);
    expect(rows.map((e) => [e.type, e.outcome, e.fromStatus, e.toStatus])).toEqual([
      ['ACTION', 'ACCEPTED', null, null],
      ['STATE_TRANSITION', 'SUCCEEDED', 'RUNNING', 'UPGRADING'],
      ['STATE_TRANSITION', 'SUCCEEDED', 'UPGRADING', 'ERROR'],
      ['ACTION', 'FAILED', null, null],
    ]);
  });
});

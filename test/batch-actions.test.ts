import { bearer, settled, startTestApp, TestApp } from './support/app';

/** POST /v1/servers/actions: per-server results, never all-or-nothing. */
describe('batch server actions', () => {
  let t: TestApp;
  let operatorA: string;
  let viewer: string;
  let auditor: string;
  beforeAll(async () => {
    t = await startTestApp({ SIMULATOR_TRANSITION_MS: '100' });
    operatorA = await t.key('operator', ['pool-ascend-a']);
    viewer = await t.key('viewer');
    auditor = await t.key('auditor');
  });
  afterAll(() => t.close());

  it('accepts what it can and reports each refusal with its error body', async () => {
    // srv-001 and srv-005 RUNNING in pool A; srv-003 STOPPED in pool A; srv-002 in pool B (invisible); srv-404 absent.
    const r = await t.http
      .post('/v1/servers/actions')
      .set(bearer(operatorA))
      .send({ action: 'stop', serverIds: ['srv-001', 'srv-003', 'srv-404', 'srv-002', 'srv-005'] })
      .expect(200);
    expect(r.body).toMatchObject({ action: 'stop', accepted: 2, failed: 3 });
    const [a, b, c, d, e] = r.body.results;
    expect(a).toMatchObject({ serverId: 'srv-001', status: 202, accepted: true, replayed: false, operation: { type: 'STOP', serverId: 'srv-001' } });
    expect(b).toMatchObject({ serverId: 'srv-003', status: 409, accepted: false, error: { code: 'INVALID_STATE', details: { currentStatus: 'STOPPED' } } });
    expect(c).toMatchObject({ serverId: 'srv-404', status: 404, accepted: false, error: { code: 'NOT_FOUND' } });
    expect(d).toMatchObject({ serverId: 'srv-002', status: 404, accepted: false, error: { code: 'NOT_FOUND' } });
    expect(e).toMatchObject({ serverId: 'srv-005', status: 202, accepted: true });

    // The accepted items really run; the refused ones changed nothing.
    expect(await settled(t, a.operation.id)).toMatchObject({ status: 'SUCCEEDED' });
    expect(await settled(t, e.operation.id)).toMatchObject({ status: 'SUCCEEDED' });
    const s2 = await t.http.get('/v1/servers/srv-002').set(bearer(t.admin)).expect(200);
    expect(s2.body.status).toBe('RUNNING');

    // Same audit path as the single-server routes: ACCEPTED for accepted items, REJECTED for srv-003.
    const acc = await t.http.get('/v1/audit-events?resourceId=srv-001&action=server.stop&outcome=ACCEPTED').set(bearer(auditor));
    expect(acc.body.items).toHaveLength(1);
    const rej = await t.http.get('/v1/audit-events?resourceId=srv-003&action=server.stop&outcome=REJECTED').set(bearer(auditor));
    expect(rej.body.items).toHaveLength(1);
  });

  it('restart and start go through the same path', async () => {
    const r = await t.http.post('/v1/servers/actions').set(bearer(t.admin)).send({ action: 'restart', type: 'HARD', serverIds: ['srv-006', 'srv-004'] }).expect(200);
    expect(r.body.results.map((x: { status: number }) => x.status)).toEqual([202, 409]);
    expect(r.body.results[0].operation.params).toEqual({ type: 'HARD' });
    await settled(t, r.body.results[0].operation.id);
    const s = await t.http.post('/v1/servers/actions').set(bearer(t.admin)).send({ action: 'start', serverIds: ['srv-004', 'srv-006'] }).expect(200);
    expect(s.body.results.map((x: { status: number }) => x.status)).toEqual([202, 409]);
    await settled(t, s.body.results[0].operation.id);
  });

  it('Idempotency-Key replays every accepted item instead of acting twice', async () => {
    const body = { action: 'start', serverIds: ['srv-007', 'srv-008'] };
    const first = await t.http.post('/v1/servers/actions').set(bearer(t.admin)).set('Idempotency-Key', 'batch-key-1').send(body).expect(200);
    expect(first.body.accepted).toBe(2);
    const again = await t.http.post('/v1/servers/actions').set(bearer(t.admin)).set('Idempotency-Key', 'batch-key-1').send(body).expect(200);
    expect(again.body.results.map((x: { replayed: boolean }) => x.replayed)).toEqual([true, true]);
    expect(again.body.results.map((x: { operation: { id: string } }) => x.operation.id)).toEqual(first.body.results.map((x: { operation: { id: string } }) => x.operation.id));
    expect(await t.prisma.operation.count({ where: { serverId: { in: ['srv-007', 'srv-008'] }, type: 'START' } })).toBe(2);
    for (const x of first.body.results) await settled(t, x.operation.id);
  });

  it('needs servers:operate', async () => {
    const r = await t.http.post('/v1/servers/actions').set(bearer(viewer)).send({ action: 'stop', serverIds: ['srv-001'] }).expect(403);
    expect(r.body.error.code).toBe('FORBIDDEN');
  });

  it.each([
    ['unknown action', { action: 'switch-os', serverIds: ['srv-001'] }, 'action'],
    ['empty list', { action: 'stop', serverIds: [] }, 'serverIds'],
    ['duplicates', { action: 'stop', serverIds: ['srv-001', 'srv-001'] }, 'serverIds'],
    ['more than 100', { action: 'stop', serverIds: Array.from({ length: 101 }, (_, i) => `srv-${i}`) }, 'serverIds'],
    ['not strings', { action: 'stop', serverIds: [1] }, 'serverIds'],
    ['unknown field', { action: 'stop', serverIds: ['srv-001'], extra: 1 }, 'extra'],
    ['force on start', { action: 'start', serverIds: ['srv-001'], force: true }, 'force'],
    ['type on stop', { action: 'stop', serverIds: ['srv-001'], type: 'HARD' }, 'type'],
  ])('refuses %s with 400 naming the field', async (_n, body, field) => {
    const r = await t.http.post('/v1/servers/actions').set(bearer(t.admin)).send(body).expect(400);
    expect(r.body.error.code).toBe('VALIDATION_FAILED');
    expect(r.body.error.details.fields.map((f: { field: string }) => f.field)).toContain(field);
  });
});

import { OperationsService } from '../src/operations/operations.service';
import { bearer, settled, startTestApp, TestApp } from './support/app';

/** Compare-and-swap on the server row: of N conflicting requests exactly one wins. */
describe('concurrency and idempotency', () => {
  let t: TestApp;
  let auditor: string;
  beforeAll(async () => {
    t = await startTestApp({ SIMULATOR_TRANSITION_MS: '300' });
    auditor = await t.key('auditor');
  });
  afterAll(() => t.close());
  const auth = () => bearer(t.admin);

  it('20 concurrent stops: exactly one 202, nineteen 409, one ACCEPTED audit row', async () => {
    const responses = await Promise.all(Array.from({ length: 20 }, () => t.http.post('/v1/servers/srv-001/stop').set(auth()).send({})));
    const codes = responses.map((r) => r.status).sort();
    expect(codes.filter((c) => c === 202)).toHaveLength(1);
    expect(codes.filter((c) => c === 409)).toHaveLength(19);
    for (const r of responses.filter((x) => x.status === 409)) {
      expect(r.body.error).toMatchObject({ code: 'INVALID_STATE', details: { currentStatus: 'STOPPING', task: 'STOPPING' } });
    }
    const accepted = await t.http.get('/v1/audit-events?resourceId=srv-001&action=server.stop&outcome=ACCEPTED').set(bearer(auditor));
    expect(accepted.body.items).toHaveLength(1);
    const rejected = await t.http.get('/v1/audit-events?resourceId=srv-001&action=server.stop&outcome=REJECTED&limit=100').set(bearer(auditor));
    expect(rejected.body.items).toHaveLength(19);
    const ops = await t.prisma.operation.count({ where: { serverId: 'srv-001', type: 'STOP' } });
    expect(ops).toBe(1);
    await settled(t, responses.find((r) => r.status === 202)!.body.id);
  });

  it('conflicting different actions race: one wins', async () => {
    // srv-002 is RUNNING: stop and restart race.
    const rs = await Promise.all([
      ...Array.from({ length: 5 }, () => t.http.post('/v1/servers/srv-002/stop').set(auth()).send({})),
      ...Array.from({ length: 5 }, () => t.http.post('/v1/servers/srv-002/restart').set(auth()).send({})),
    ]);
    expect(rs.filter((r) => r.status === 202)).toHaveLength(1);
    expect(rs.filter((r) => r.status === 409)).toHaveLength(9);
    await settled(t, rs.find((r) => r.status === 202)!.body.id);
  });

  it('an action that loses its compare-and-swap to a rename is retried and accepted, not refused', async () => {
    const ops = t.app.get(OperationsService);
    let renamed = false;
    const ctx = { requestId: 'req-cas-retry', principal: { type: 'API_KEY' as const, id: 'key-test', name: 'test', role: 'admin' as const, poolIds: null } };
    // The rename lands between reading the server and the compare-and-swap, deterministically.
    const accepted = await ops.request(ctx, {
      action: 'start',
      type: 'START',
      serverId: 'srv-007',
      precheck: async () => {
        if (renamed) return;
        renamed = true;
        await t.prisma.server.update({ where: { id: 'srv-007' }, data: { name: 'renamed-mid-accept', version: { increment: 1 } } });
      },
    });
    expect(accepted.operation).toMatchObject({ type: 'START', serverId: 'srv-007' });
    expect(await t.prisma.server.findUniqueOrThrow({ where: { id: 'srv-007' } })).toMatchObject({ name: 'renamed-mid-accept', status: 'STARTING' });
    await settled(t, accepted.operation.id);
  });

  it('idempotent replay returns the original operation and performs no second action', async () => {
    const key = 'replay-key-0001';
    const first = await t.http.post('/v1/servers/srv-003/start').set(auth()).set('Idempotency-Key', key).send({}).expect(202);
    const second = await t.http.post('/v1/servers/srv-003/start').set(auth()).set('Idempotency-Key', key).send({}).expect(202);
    expect(second.body.id).toBe(first.body.id);
    expect(second.headers['idempotent-replayed']).toBe('true');
    await settled(t, first.body.id);
    // Even after the server moved on, the same key replays instead of a 409.
    const third = await t.http.post('/v1/servers/srv-003/start').set(auth()).set('Idempotency-Key', key).send({}).expect(202);
    expect(third.body).toMatchObject({ id: first.body.id, status: 'SUCCEEDED' });
    expect(await t.prisma.operation.count({ where: { serverId: 'srv-003', type: 'START' } })).toBe(1);
  });

  it('concurrent retries with one key create one operation', async () => {
    const key = 'burst-key-0001';
    const rs = await Promise.all(Array.from({ length: 8 }, () => t.http.post('/v1/servers/srv-004/start').set(auth()).set('Idempotency-Key', key).send({})));
    expect(rs.map((r) => r.status)).toEqual(Array(8).fill(202));
    expect(new Set(rs.map((r) => r.body.id)).size).toBe(1);
    expect(await t.prisma.operation.count({ where: { serverId: 'srv-004', type: 'START' } })).toBe(1);
    await settled(t, rs[0].body.id);
  });

  it('an expired key is forgotten: the request is treated as new', async () => {
    const key = 'expired-key-001';
    const first = await t.http.post('/v1/servers/srv-006/stop').set(auth()).set('Idempotency-Key', key).send({}).expect(202);
    await settled(t, first.body.id);
    await t.prisma.idempotencyRecord.updateMany({ where: { key }, data: { createdAt: new Date(Date.now() - 25 * 3_600_000) } });
    const again = await t.http.post('/v1/servers/srv-006/stop').set(auth()).set('Idempotency-Key', key).send({});
    expect(again.status).toBe(409); // a fresh stop of a STOPPED server, not a replay
    expect(again.body.error.code).toBe('INVALID_STATE');
  });

  it('same key with a different body is 422; keys are scoped to the principal', async () => {
    const key = 'mismatch-key-01';
    await t.http.post('/v1/servers/srv-005/stop').set(auth()).set('Idempotency-Key', key).send({ force: false }).expect(202);
    const r = await t.http.post('/v1/servers/srv-005/stop').set(auth()).set('Idempotency-Key', key).send({ force: true }).expect(422);
    expect(r.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    const other = await t.key('operator');
    const o = await t.http.post('/v1/servers/srv-005/stop').set(bearer(other)).set('Idempotency-Key', key).send({ force: true });
    expect(o.status).toBe(409); // a different principal's key is independent: this is a fresh (conflicting) request
  });
});

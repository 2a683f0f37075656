import { OperationWorker } from '../../src/operations/operation.worker';
import { bearer, settled, startTestApp, TestApp } from '../support/app';

/** Hardware that misbehaves: a hung controller, duplicate deliveries. */
describe('reliability: misbehaving hardware and duplicate deliveries', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ PROVIDER_CALL_TIMEOUT_MS: '300' });
  });
  afterAll(() => t.close());
  const auth = () => bearer(t.admin);

  it('a hung management controller: the operation times out with a clear error, the server is not stranded', async () => {
    await t.http.post('/v1/simulator/servers/srv-001/hang').set(auth()).send({ hang: true }).expect(200);
    const r = await t.http.post('/v1/servers/srv-001/stop').set(auth()).send({}).expect(202);
    const op = await settled(t, r.body.id);
    expect(op).toMatchObject({ status: 'FAILED', error: { code: 'PROVIDER_TIMEOUT', message: expect.stringContaining('did not answer within 300 ms') } });
    const s = (await t.http.get('/v1/servers/srv-001').set(auth())).body;
    // The power state cannot be read either, so the console says so honestly.
    expect(s).toMatchObject({ status: 'ERROR', task: null, statusReason: expect.stringContaining('power state unknown') });
    await t.http.post('/v1/simulator/servers/srv-001/hang').set(auth()).send({ hang: false }).expect(200);
    // Once it answers again, restart brings it back.
    const back = await t.http.post('/v1/servers/srv-001/restart').set(auth()).send({}).expect(202);
    expect((await settled(t, back.body.id)).status).toBe('SUCCEEDED');
  });

  it('an operation delivered to two workers (a stale lease) is applied once', async () => {
    const slow = t.app.get(OperationWorker);
    await slow.stop(); // this replica accepts; it will be the "slow" worker
    const r = await t.http.post('/v1/servers/srv-002/stop').set(auth()).send({}).expect(202);
    const [claimed] = await slow.claim(1);
    expect(claimed.id).toBe(r.body.id);
    // The slow worker stalls past its lease; another replica takes the operation over and finishes it.
    await t.prisma.operation.update({ where: { id: r.body.id }, data: { leaseExpiresAt: new Date(Date.now() - 1000) } });
    await t.replica({ INSTANCE_ID: 'replica-fast' });
    expect((await settled(t, r.body.id)).status).toBe('SUCCEEDED');
    // The slow worker wakes up and runs its stale delivery: every write it tries is refused.
    await slow.execute(claimed);
    const rows = await t.prisma.auditEvent.findMany({ where: { operationId: r.body.id }, orderBy: { sequence: 'asc' } });
    expect(rows.map((e) => `${e.type}:${e.outcome}:${e.toStatus ?? ''}`)).toEqual([
      'ACTION:ACCEPTED:',
      'STATE_TRANSITION:SUCCEEDED:STOPPING',
      'STATE_TRANSITION:SUCCEEDED:STOPPED',
      'ACTION:SUCCEEDED:',
    ]);
    const op = await t.prisma.operation.findUniqueOrThrow({ where: { id: r.body.id } });
    expect(op).toMatchObject({ status: 'SUCCEEDED', attempts: 2 });
    expect(await t.prisma.server.findUniqueOrThrow({ where: { id: 'srv-002' } })).toMatchObject({ status: 'STOPPED', task: null });
  });
});

import { bearer, settled, startTestApp, TestApp, until } from './support/app';
import { OperationWorker } from '../src/operations/operation.worker';

/** Several replicas on one database: a replica that dies mid-operation does not strand a server. */
describe('replicas and crashed workers', () => {
  let t: TestApp;
  let workerB: OperationWorker;
  beforeAll(async () => {
    // Replica A accepts requests but does not execute; replica B does the work.
    // A lease long enough that a busy CI machine does not expire it mid-step, short enough to keep the test quick.
    t = await startTestApp({ WORKER_ENABLED: 'false', SIMULATOR_TRANSITION_MS: '100', WORKER_LEASE_MS: '1500' });
  });
  afterAll(() => t.close());
  const auth = () => bearer(t.admin);

  it('an operation claimed by a replica that dies is resumed by another after its lease expires', async () => {
    const r = await t.http.post('/v1/servers/srv-001/stop').set(auth()).send({}).expect(202);
    // A "crashed" worker: claims the operation (lease taken) and then never runs it.
    const crashed = t.app.get(OperationWorker);
    const claimed = await crashed.claim(10);
    expect(claimed.map((o) => o.id)).toEqual([r.body.id]);
    expect((await t.http.get('/v1/servers/srv-001').set(auth())).body.status).toBe('STOPPING');

    const b = await t.replica({ WORKER_ENABLED: 'true', INSTANCE_ID: 'replica-b' });
    workerB = b.get(OperationWorker);
    const op = await settled(t, r.body.id);
    expect(op.status).toBe('SUCCEEDED');
    const row = await t.prisma.operation.findUniqueOrThrow({ where: { id: r.body.id } });
    expect(row.attempts).toBe(2);
    expect((await t.http.get('/v1/servers/srv-001').set(auth())).body).toMatchObject({ status: 'STOPPED', task: null });
  });

  it('an operation abandoned too many times fails with WORKER_LOST and the server is left truthful', async () => {
    // B must not pick the operation up before it is made to look abandoned (else the hardware gets the command).
    await workerB.stop();
    const r = await t.http.post('/v1/servers/srv-002/stop').set(auth()).send({}).expect(202);
    await t.prisma.operation.update({ where: { id: r.body.id }, data: { attempts: t.config.worker.maxAttempts, status: 'RUNNING', leaseOwner: 'dead-replica', leaseExpiresAt: new Date(Date.now() - 1000) } });
    workerB.start();
    const op = await settled(t, r.body.id);
    expect(op).toMatchObject({ status: 'FAILED', error: { code: 'WORKER_LOST' } });
    const s = await until('srv-002 settled', async () => {
      const b = (await t.http.get('/v1/servers/srv-002').set(auth())).body;
      return b.task === null ? b : undefined;
    });
    // The hardware never got the command, so the truthful status is RUNNING.
    expect(s.status).toBe('RUNNING');
  });

  it('a lost operation whose command did reach the hardware ends in the status the machine settles in', async () => {
    await workerB.stop();
    const r = await t.http.post('/v1/servers/srv-005/stop').set(auth()).send({}).expect(202);
    // The dead worker had sent the graceful power-off: the machine is still POWERING_OFF.
    await t.sim.powerOff('srv-005', { force: false });
    expect(await t.sim.getPowerState('srv-005')).toBe('POWERING_OFF');
    await t.prisma.operation.update({ where: { id: r.body.id }, data: { attempts: t.config.worker.maxAttempts, status: 'RUNNING', leaseOwner: 'dead-replica', leaseExpiresAt: new Date(Date.now() - 1000) } });
    workerB.start();
    expect(await settled(t, r.body.id)).toMatchObject({ status: 'FAILED', error: { code: 'WORKER_LOST' } });
    // Not ERROR: the failure waited for the transition to settle and recorded what the hardware did.
    expect((await t.http.get('/v1/servers/srv-005').set(auth())).body).toMatchObject({ status: 'STOPPED', task: null });
  });
});

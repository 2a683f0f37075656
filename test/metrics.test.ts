import { bearer, settled, startTestApp, TestApp } from './support/app';

/** /metrics: HTTP latency by route and status, operations by type and outcome, queue depth. */
describe('Prometheus metrics', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());
  const scrape = async () => (await t.http.get('/metrics').expect(200)).text;

  it('exposes latency histograms labelled by route template and status', async () => {
    await t.http.get('/v1/servers/srv-001').set(bearer(t.admin)).expect(200);
    await t.http.get('/v1/servers/srv-404').set(bearer(t.admin)).expect(404);
    await t.http.get('/v1/servers/srv-001').expect(401);
    await t.http.get('/no-such-route').expect(404);
    const text = await scrape();
    expect(text).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/v1\/servers\/:id",status="200"\} 1/);
    expect(text).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/v1\/servers\/:id",status="404"\} 1/);
    expect(text).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/v1\/servers\/:id",status="401"\} 1/);
    expect(text).toMatch(/http_request_duration_seconds_count\{method="GET",route="unmatched",status="404"\} 1/);
    expect(text).not.toContain('srv-404');
  });

  it('counts finished operations by type and outcome, and reports the queue depth', async () => {
    const ok = await t.http.post('/v1/servers/srv-001/stop').set(bearer(t.admin)).send({}).expect(202);
    await settled(t, ok.body.id);
    await t.http.post('/v1/simulator/servers/srv-003/fail-next').set(bearer(t.admin)).send({ command: 'POWER_ON', message: 'BMC said no' }).expect((r) => expect(r.status).toBeLessThan(300));
    const bad = await t.http.post('/v1/servers/srv-003/start').set(bearer(t.admin)).send({}).expect(202);
    expect((await settled(t, bad.body.id)).status).toBe('FAILED');
    const text = await scrape();
    expect(text).toMatch(/operations_finished_total\{type="STOP",outcome="SUCCEEDED"\} 1/);
    expect(text).toMatch(/operations_finished_total\{type="START",outcome="FAILED"\} 1/);
    expect(text).toMatch(/operations_queue_depth\{status="PENDING"\} 0/);
    expect(text).toMatch(/operations_queue_depth\{status="RUNNING"\} 0/);

    // A queued operation shows up: this replica's worker is stopped first.
    await t.app.get((await import('../src/operations/operation.worker')).OperationWorker).stop();
    await t.http.post('/v1/servers/srv-005/stop').set(bearer(t.admin)).send({}).expect(202);
    expect(await scrape()).toMatch(/operations_queue_depth\{status="PENDING"\} 1/);
  });
});

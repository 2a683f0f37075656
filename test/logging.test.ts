import { bearer, startTestApp, TestApp } from './support/app';

/** JSON log lines with the request id; secrets never reach the output. */
describe('structured logs', () => {
  let t: TestApp;
  let captured = '';
  let spy: jest.SpyInstance;
  beforeAll(async () => {
    // Captured from the start: debug-level start-up lines stay out of the test output.
    spy = jest.spyOn(process.stdout, 'write').mockImplementation(((chunk: string | Uint8Array) => {
      captured += chunk.toString();
      return true;
    }) as typeof process.stdout.write);
    t = await startTestApp({ LOG_LEVEL: 'debug' });
  });
  afterAll(async () => {
    await t.close();
    spy.mockRestore();
  });
  beforeEach(() => {
    captured = '';
  });
  const lines = () =>
    captured
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, any>);

  it('writes one JSON object per line, with the request id on every line of a request', async () => {
    await t.http.get('/v1/servers/srv-001').set(bearer(t.admin)).set('X-Request-Id', 'req-log-ok').expect(200);
    await t.http.get('/v1/servers/srv-404').set(bearer(t.admin)).set('X-Request-Id', 'req-log-404').expect(404);
    const ls = lines();
    const ok = ls.filter((l) => l.requestId === 'req-log-ok');
    expect(ok).toContainEqual(expect.objectContaining({ level: 'info', msg: 'request completed', res: { statusCode: 200 }, req: expect.objectContaining({ method: 'GET', url: '/v1/servers/srv-001' }) }));
    expect(typeof ok[0].responseTime).toBe('number');
    const missing = ls.filter((l) => l.requestId === 'req-log-404');
    // The filter's own line and the access line, both tagged with the request.
    expect(missing.map((l) => l.context ?? 'access')).toEqual(expect.arrayContaining(['HttpExceptionFilter', 'access']));
    for (const l of ls) expect(l).toEqual(expect.objectContaining({ level: expect.any(String), time: expect.any(String) }));
  });

  it('never logs API keys, bearer tokens or JWTs, wherever they appear', async () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTEifQ.c2lnbmF0dXJlLXNlY3JldA';
    const leaked = 'lsk_totally_secret_key_value_123';
    await t.http.get('/v1/servers').set(bearer(t.admin)).set('X-Request-Id', 'req-s1').expect(200);
    await t.http.get('/v1/servers').set(bearer(leaked)).set('X-Request-Id', 'req-s2').expect(401);
    await t.http.get('/v1/servers').set(bearer(jwt)).set('X-Request-Id', 'req-s3').expect(401);
    await t.http.get(`/v1/servers?q=${leaked}`).set(bearer(t.admin)).set('X-Request-Id', 'req-s4').expect(200);
    await t.http.post('/v1/servers/srv-001/stop').set(bearer(t.admin)).set('X-Request-Id', 'req-s5').send({ token: leaked, jwt }).expect(400);
    const out = captured;
    for (const id of ['req-s1', 'req-s2', 'req-s3', 'req-s4', 'req-s5']) expect(out).toContain(id);
    expect(out).not.toContain(t.admin);
    expect(out).not.toContain(leaked);
    expect(out).not.toContain(jwt);
    expect(out).not.toContain(jwt.split('.')[2]);
    expect(out).not.toMatch(/lsk_(?!\[REDACTED\])/);
    expect(out.toLowerCase()).not.toContain('"authorization"');
  });
});

import { bearer, startTestApp, TestApp, until } from './support/app';
import request from 'supertest';

/** Per-principal fixed-window limits, counted in PostgreSQL and shared by replicas. */
describe('rate limits', () => {
  const LIMIT = 5;
  let t: TestApp;
  let other: string;
  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_PER_MINUTE: String(LIMIT) });
    other = await t.key('viewer');
    // The window is a calendar minute on the database clock: start early in one
    // so the whole test stays inside it.
    await until('the start of a rate-limit window', async () => {
      const { rows } = await t.prisma.pg.query<{ s: number }>(`SELECT extract(second FROM now())::float8 AS s`);
      return rows[0].s < 40;
    }, 30_000);
  });
  afterAll(() => t.close());

  it('answers 429 RATE_LIMITED with Retry-After once a principal exceeds its budget, across replicas', async () => {
    const replica = await t.replica();
    const onReplica = request(replica.getHttpServer());
    // Budget spent on two replicas: they share one counter.
    for (let i = 0; i < LIMIT; i++) {
      const http = i % 2 ? onReplica : t.http;
      const r = await http.get('/v1/servers/srv-001').set(bearer(t.admin)).expect(200);
      expect(r.headers['ratelimit-limit']).toBe(String(LIMIT));
      expect(r.headers['ratelimit-remaining']).toBe(String(LIMIT - i - 1));
    }
    for (const http of [t.http, onReplica]) {
      const r = await http.get('/v1/servers/srv-001').set(bearer(t.admin)).expect(429);
      expect(r.body.error).toMatchObject({ code: 'RATE_LIMITED', details: { limit: LIMIT } });
      const retryAfter = Number(r.headers['retry-after']);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
    }

    // Another principal has its own budget; health and metrics are not limited.
    await t.http.get('/v1/servers').set(bearer(other)).expect(200);
    await t.http.get('/healthz').expect(200);
    await t.http.get('/metrics').expect(200);
  });

  it('refused requests do not act (a limited action is not accepted)', async () => {
    const r = await t.http.post('/v1/servers/srv-001/stop').set(bearer(t.admin)).send({}).expect(429);
    expect(r.body.error.code).toBe('RATE_LIMITED');
    expect(await t.prisma.operation.count({ where: { serverId: 'srv-001' } })).toBe(0);
  });

  it('unauthenticated requests are refused by the guard first (401, not 429)', async () => {
    await t.http.get('/v1/servers').expect(401);
  });
});

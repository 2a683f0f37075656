import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { createApp } from '../src/app.factory';
import { loadConfig } from '../src/config/config';
import { migrate } from '../src/database/migrator';
import { ADMIN_KEY, bearer, testEnv, until } from './support/app';
import { OwnPostgres, startOwnPostgres } from './support/own-postgres-client';

/**
 * A real database outage: this test runs its OWN embedded PostgreSQL (never the
 * shared one), stops it under a running app, and starts it again.
 */
describe('database outage', () => {
  let pg: OwnPostgres;
  let app: INestApplication;
  let http: ReturnType<typeof request>;

  beforeAll(async () => {
    pg = await startOwnPostgres('liteserver-outage-pg-');
    const url = pg.url;
    await migrate(url);
    app = await createApp(loadConfig(testEnv(url, { INSTANCE_ID: 'outage-a', WORKER_POLL_MS: '50' })));
    await app.listen(0);
    http = request(app.getHttpServer());
  }, 120_000);

  afterAll(async () => {
    await app?.close().catch(() => undefined);
    await pg?.exit();
  });

  it('answers 503 SERVICE_UNAVAILABLE while the database is down, stays alive, and recovers by itself', async () => {
    await http.get('/readyz').expect(200);
    await http.get('/v1/servers/srv-001').set(bearer(ADMIN_KEY)).expect(200);

    await pg.stop();

    // Readiness fails with the error body; liveness stays up (no restart loop).
    const ready = await until('readyz to fail', async () => {
      const r = await http.get('/readyz');
      return r.status === 503 ? r : undefined;
    });
    expect(ready.body.error).toMatchObject({ code: 'SERVICE_UNAVAILABLE', details: { checks: { error: { database: { status: 'down' } } } } });
    expect(ready.headers['retry-after']).toBeDefined();
    await http.get('/healthz').expect(200);

    // Every kind of API call gets the documented 503, never a 500 or a hang.
    for (const call of [
      () => http.get('/v1/servers/srv-001').set(bearer(ADMIN_KEY)),
      () => http.get('/v1/servers').set(bearer(ADMIN_KEY)),
      () => http.post('/v1/servers/srv-001/stop').set(bearer(ADMIN_KEY)).send({}),
      () => http.post('/v1/servers/actions').set(bearer(ADMIN_KEY)).send({ action: 'stop', serverIds: ['srv-001'] }),
    ]) {
      const r = await call();
      expect({ status: r.status, body: r.body }).toEqual({
        status: 503,
        body: { error: { code: 'SERVICE_UNAVAILABLE', message: expect.any(String) } },
      });
      expect(r.headers['retry-after']).toBeDefined();
    }
    // Metrics still scrape (queue depth keeps its last value).
    await http.get('/metrics').expect(200);

    await pg.start();

    // No restart needed: the pool reconnects and the worker carries on.
    await until('readyz to recover', async () => (await http.get('/readyz')).status === 200, 30_000);
    await http.get('/v1/servers/srv-001').set(bearer(ADMIN_KEY)).expect(200);
    const op = await http.post('/v1/servers/srv-001/stop').set(bearer(ADMIN_KEY)).send({}).expect(202);
    await until('the operation to run after the outage', async () => {
      const r = await http.get(`/v1/operations/${op.body.id}`).set(bearer(ADMIN_KEY));
      return r.body.status === 'SUCCEEDED';
    });
  });
});

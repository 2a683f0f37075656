import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, ServiceProcess, spawnService, waitReady } from './support/process';

/** The README's `npm start` path: no DATABASE_URL → embedded, persistent PostgreSQL. */
describe('smoke: the built service on its embedded PostgreSQL', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'liteserver-smoke-'));
  fs.chmodSync(dataDir, 0o755);
  const started: ServiceProcess[] = [];
  const start = async (env: Record<string, string>) => {
    const p = await spawnService(env);
    started.push(p);
    return p;
  };
  afterAll(async () => {
    for (const p of started) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await Promise.all(started.map((p) => p.exited));
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('boots, seeds the simulated fleet, serves the API, stops cleanly, and keeps its data', async () => {
    const env = { DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(await freePort()), LOG_LEVEL: 'info', SIMULATOR_TRANSITION_MS: '50', SYNC_ENABLED: 'false' };
    const first = await start(env);
    await waitReady(first);
    const keyLine = /created admin key \(shown once, store it now\): (lsk_[A-Za-z0-9_-]+)/.exec(first.output());
    expect(keyLine).not.toBeNull();
    const key = keyLine![1];
    const servers = await fetch(`${first.url}/v1/servers?limit=100`, { headers: { Authorization: `Bearer ${key}` } }).then((r) => r.json() as Promise<any>);
    expect(servers.items).toHaveLength(8);
    const renamed = await fetch(`${first.url}/v1/servers/srv-001`, {
      method: 'PATCH',
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'persisted-name' }),
    });
    expect(renamed.status).toBe(200);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    // Second start: same data directory, no new key printed, data kept.
    const second = await start(env);
    await waitReady(second);
    expect(second.output()).not.toContain('created admin key');
    const s = await fetch(`${second.url}/v1/servers/srv-001`, { headers: { Authorization: `Bearer ${key}` } }).then((r) => r.json() as Promise<any>);
    expect(s.name).toBe('persisted-name');
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });
});

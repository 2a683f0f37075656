/**
 * Audit trail benchmark: seeds AUDIT_BENCH_ROWS (default 1,000,000) hash-chained
 * events into a fresh database, then prints the latency of the common report
 * queries over HTTP, export throughput and chain verification speed.
 *
 *   npm run bench:audit                    # DATABASE_URL, or a throwaway embedded PostgreSQL
 *   AUDIT_BENCH_ROWS=200000 npm run bench:audit
 */
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { createApp } from '../src/app.factory';
import { ApiKeysService } from '../src/auth/api-keys.service';
import { loadConfig } from '../src/config/config';
import { testEnv } from '../test/support/app';
import { seedAuditChain, sampleEvent } from '../test/support/audit-seed';
import { createTestDatabase } from '../test/support/database';
import { writeResult } from './support';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const globalSetup = require('../test/support/global-setup.js') as () => Promise<void>;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const globalTeardown = require('../test/support/global-teardown.js') as () => Promise<void>;

const ROWS = Number(process.env.AUDIT_BENCH_ROWS ?? 1_000_000);
const RUNS = Number(process.env.AUDIT_BENCH_RUNS ?? 30);
const SERVERS = 2000;
const ACTORS = 50;
const STEP_MS = 1000;

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

async function main(): Promise<void> {
  await globalSetup();
  const db = await createTestDatabase();
  const app = await createApp(loadConfig(testEnv(db.url, { WORKER_ENABLED: 'false', SYNC_ENABLED: 'false', INSTANCE_ID: 'bench' })));
  await app.listen(0);
  const base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  const keys = app.get(ApiKeysService);
  const auditor = (await keys.create({ name: 'bench-auditor', role: 'auditor' })).secret;
  const scopedAuditor = (await keys.create({ name: 'bench-auditor-a', role: 'auditor', poolIds: ['pool-ascend-a'] })).secret;
  const viewer = (await keys.create({ name: 'bench-viewer', role: 'viewer' })).secret;
  const pg = new Client({ connectionString: db.url });
  await pg.connect();
  try {
    const start = new Date(Date.now() - ROWS * STEP_MS);
    // Every 40th synthetic server is a real fleet server, so /history has ~25k events per server to page through.
    const serverId = (n: number) => (n % 250 === 0 ? `srv-00${(n / 250) + 1}` : `srv-b${String(n).padStart(5, '0')}`);
    let t0 = Date.now();
    let lastLog = 0;
    await seedAuditChain(pg, ROWS, (i) => sampleEvent(i, { start, stepMs: STEP_MS, servers: SERVERS, actors: ACTORS, pools: ['pool-ascend-a', 'pool-gpu-b'], serverId }), {
      batch: 5000,
      onBatch: (done) => {
        if (done - lastLog >= 100_000 || done === ROWS) {
          lastLog = done;
          process.stdout.write(`  seeded ${done} rows (${Math.round(done / ((Date.now() - t0) / 1000))} rows/s)\n`);
        }
      },
    });
    const seedSeconds = (Date.now() - t0) / 1000;
    await pg.query('ANALYZE audit_events');
    const total = Number((await pg.query('SELECT count(*) AS n FROM audit_events')).rows[0].n);
    const size = (await pg.query(`SELECT pg_size_pretty(pg_total_relation_size('audit_events')) AS s`)).rows[0].s;

    const at = (sec: number) => new Date(start.getTime() + sec * STEP_MS).toISOString();
    const mid = Math.floor(ROWS / 2);
    const get = async (path: string, key = auditor) => {
      const r = await fetch(base + path, { headers: { Authorization: `Bearer ${key}` } });
      if (r.status !== 200) throw new Error(`${path}: ${r.status} ${await r.text()}`);
      return r.json() as Promise<{ items?: unknown[]; nextCursor?: string | null }>;
    };
    const queries: [string, string, string?][] = [
      ['by server (resourceId), newest 50', '/v1/audit-events?resourceId=srv-b00042&order=desc&limit=50'],
      ['by server, oldest 50', '/v1/audit-events?resourceId=srv-b00042&limit=50'],
      ['server history (/v1/servers/srv-001/history)', '/v1/servers/srv-001/history?limit=50', viewer],
      ['by actor + 1 day', `/v1/audit-events?actorId=key-7&from=${at(mid)}&to=${at(mid + 86_400)}&limit=50`],
      ['by actor + 7 days, newest 50', `/v1/audit-events?actorId=key-7&from=${at(mid)}&to=${at(mid + 7 * 86_400)}&order=desc&limit=50`],
      ['by actor, whole trail, newest 50', '/v1/audit-events?actorId=key-7&order=desc&limit=50'],
      ['by action + outcome', '/v1/audit-events?action=server.stop&outcome=FAILED&limit=50'],
      ['by operation id', `/v1/audit-events?operationId=op-${Math.floor(mid / 4)}`],
      ['by request id', `/v1/audit-events?requestId=req-${Math.floor(mid / 2)}`],
      ['time range, 1 hour', `/v1/audit-events?from=${at(mid)}&to=${at(mid + 3600)}&limit=200`],
      ['pool-scoped auditor, newest 50', '/v1/audit-events?order=desc&limit=50', scopedAuditor],
      ['summary by day, 7 days', `/v1/audit-events/summary?groupBy=day&from=${at(mid)}&to=${at(mid + 7 * 86_400)}`],
      ['summary by actor, 1 day', `/v1/audit-events/summary?groupBy=actor&from=${at(mid)}&to=${at(mid + 86_400)}`],
      ['summary by action, whole trail', '/v1/audit-events/summary?groupBy=action'],
    ];
    const lines: string[] = [];
    const table: string[] = [];
    for (const [name, path, key] of queries) {
      await get(path, key); // warm
      const times: number[] = [];
      let count = 0;
      for (let i = 0; i < RUNS; i++) {
        t0 = performance.now();
        const body = await get(path, key);
        times.push(performance.now() - t0);
        count = body.items?.length ?? (body as { groups?: unknown[] }).groups?.length ?? 0;
      }
      lines.push(`  ${name.padEnd(48)} p50 ${fmt(pct(times, 50)).padStart(10)}  p95 ${fmt(pct(times, 95)).padStart(10)}  (${count} items)`);
      table.push(`| ${name} | ${fmt(pct(times, 50))} | ${fmt(pct(times, 95))} | ${count} |`);
    }
    // Deep keyset paging: 20 consecutive pages of one server's history.
    t0 = performance.now();
    let cursor: string | null | undefined = null;
    for (let i = 0; i < 20; i++) cursor = (await get(`/v1/audit-events?resourceId=srv-b00042&limit=50${cursor ? `&cursor=${cursor}` : ''}`)).nextCursor;
    const perPage = (performance.now() - t0) / 20;
    lines.push(`  ${'by server, 20 consecutive pages'.padEnd(48)} ${fmt(perPage).padStart(14)} per page`);
    table.push(`| by server, 20 consecutive pages (mean per page) | ${fmt(perPage)} | | 50 |`);

    // Export throughput: one day (86,400 rows) as NDJSON, read to the end.
    t0 = performance.now();
    const r = await fetch(`${base}/v1/audit-events/export?format=ndjson&from=${at(0)}&to=${at(86_400)}`, { headers: { Authorization: `Bearer ${auditor}` } });
    let bytes = 0;
    let exported = 0;
    for await (const chunk of r.body as unknown as AsyncIterable<Uint8Array>) {
      bytes += chunk.length;
      for (const b of chunk) if (b === 10) exported += 1;
    }
    const exportSec = (performance.now() - t0) / 1000;

    t0 = performance.now();
    const v = (await get('/v1/audit-events/verify')) as unknown as { valid: boolean; checked: number };
    const verifySec = (performance.now() - t0) / 1000;

    console.log(`\nAudit benchmark: ${total.toLocaleString('en')} events in audit_events (${size}), ${SERVERS} servers, ${ACTORS} actors, ${RUNS} runs per query`);
    console.log(`  seeded ${ROWS.toLocaleString('en')} hash-chained rows in ${seedSeconds.toFixed(1)} s (${Math.round(ROWS / seedSeconds).toLocaleString('en')} rows/s)`);
    console.log('\nQuery latency over HTTP:');
    console.log(lines.join('\n'));
    console.log(`\nExport: ${exported.toLocaleString('en')} rows (${(bytes / 1048576).toFixed(1)} MB NDJSON) in ${exportSec.toFixed(2)} s = ${Math.round(exported / exportSec).toLocaleString('en')} rows/s`);
    console.log(`Verify: ${v.checked.toLocaleString('en')} rows, valid=${v.valid}, in ${verifySec.toFixed(2)} s = ${Math.round(v.checked / verifySec).toLocaleString('en')} rows/s`);
    writeResult(
      'audit',
      [
        `### Audit trail (${total.toLocaleString('en')} hash-chained events, ${size}; ${RUNS} runs per query over HTTP)`,
        '',
        'Issue 8 sets no latency bound; the scale (row count) is the figure to read them against. Seeded at ' +
          `${Math.round(ROWS / seedSeconds).toLocaleString('en')} rows/s.`,
        '',
        '| query | p50 | p95 | items |',
        '|---|---|---|---|',
        ...table,
        '',
        '| measure | figure | bound |',
        '|---|---|---|',
        `| export, one day as NDJSON | ${exported.toLocaleString('en')} rows in ${exportSec.toFixed(2)} s = ${Math.round(exported / exportSec).toLocaleString('en')} rows/s | streamed (flat memory) |`,
        `| verify the whole chain | ${v.checked.toLocaleString('en')} rows in ${verifySec.toFixed(2)} s = ${Math.round(v.checked / verifySec).toLocaleString('en')} rows/s | must be valid: ${v.valid ? 'valid' : 'INVALID'} |`,
        '',
      ].join('\n'),
      { rows: total, size, seedSeconds, table, exported, exportSec, verified: v.checked, valid: v.valid, verifySec },
    );
  } finally {
    await pg.end();
    await app.close();
    await db.drop();
    await globalTeardown();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

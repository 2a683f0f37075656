/**
 * API benchmark (issue 10): reads and accepted lifecycle actions against the
 * built service, each next to the practical ceiling of this stack measured in
 * the same run. Run: npm run bench:api (needs `npm run build`).
 */
import autocannon from 'autocannon';
import { ChildProcess, spawn } from 'node:child_process';
import * as http from 'node:http';
import * as path from 'node:path';
import { Client, Pool } from 'pg';
import { auditHash, GENESIS_HASH } from '../src/audit/audit.hash';
import { freePort } from '../test/support/process';
import { benchServer, freshDatabase, machine, percentile, writeResult } from './support';

const KEY = 'lsk_bench_admin_key_0123456789abcdef';
const FLEET = Number(process.env.BENCH_FLEET ?? 2000);
const DURATION = Number(process.env.BENCH_DURATION_S ?? 10);
const READ_CONNECTIONS = 50;
const WRITE_CLIENTS = 20;

async function waitFor(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`process exited (${child.exitCode})`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} not ready`);
}

async function cannon(url: string, opts: Partial<autocannon.Options> = {}) {
  const r = await autocannon({ url, connections: READ_CONNECTIONS, duration: DURATION, headers: { Authorization: `Bearer ${KEY}` }, ...opts });
  if (r.non2xx || r.errors) throw new Error(`${url}: ${r.non2xx} non-2xx, ${r.errors} errors`);
  return { rps: Math.round(r.requests.average), p50: r.latency.p50, p99: r.latency.p99 };
}

/** Accepted lifecycle actions: one stop or start per server, WRITE_CLIENTS at a time. */
async function actions(base: string, ids: string[], running: Set<string>) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: WRITE_CLIENTS });
  const latencies: number[] = [];
  let next = 0;
  let accepted = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: WRITE_CLIENTS }, async () => {
      while (next < ids.length) {
        const id = ids[next++];
        const action = running.has(id) ? 'stop' : 'start';
        const s = performance.now();
        const status = await new Promise<number>((resolve, reject) => {
          const req = http.request(`${base}/v1/servers/${id}/${action}`, { method: 'POST', agent, headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' } }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          });
          req.on('error', reject);
          req.end('{}');
        });
        latencies.push(performance.now() - s);
        if (status === 202) accepted++;
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { perSec: Math.round(accepted / secs), accepted, p50: +percentile(latencies, 50).toFixed(1), p99: +percentile(latencies, 99).toFixed(1) };
}

/** The write ceiling: the same writes per accepted action with `pg` alone, in one transaction. */
async function writeCeiling(url: string, ids: string[], running: Set<string>) {
  const pool = new Pool({ connectionString: url, max: WRITE_CLIENTS });
  pool.on('error', () => undefined);
  const latencies: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: WRITE_CLIENTS }, async () => {
      const c = await pool.connect();
      try {
        while (next < ids.length) {
          const id = ids[next++];
          const s = performance.now();
          const { rows } = await c.query('SELECT id, name, "poolId", status, version FROM servers WHERE id = $1', [id]);
          const srv = rows[0];
          const to = running.has(id) ? 'STOPPING' : 'STARTING';
          const opId = `op-ceil-${id}-${Date.now()}`;
          await c.query('BEGIN');
          const u = await c.query(`UPDATE servers SET status = $2::"ServerStatus", task = $3::"ServerTask", version = version + 1, "updatedAt" = now() WHERE id = $1 AND version = $4`, [id, to, to, srv.version]);
          if (u.rowCount !== 1) throw new Error('CAS lost');
          await c.query(`INSERT INTO operations (id, type, "serverId", "requestedById", "requestedByType", "requestedByName", "updatedAt") VALUES ($1, $2, $3, 'bench', 'API_KEY', 'bench', now())`, [opId, to === 'STOPPING' ? 'STOP' : 'START', id]);
          // The chain lock and head read, as the service does them (one round trip).
          const head = (await c.query('SELECT head_sequence, head_hash FROM audit_chain_head()')).rows[0];
          let seq = BigInt(head?.head_sequence ?? 0);
          let prev: string = head?.head_hash ?? GENESIS_HASH;
          const occurredAt = new Date();
          for (const [type, outcome, fromStatus, toStatus] of [['ACTION', 'ACCEPTED', null, null], ['STATE_TRANSITION', 'SUCCEEDED', srv.status, to]] as const) {
            seq += 1n;
            const row = { id: `evt-ceil-${seq}`, sequence: seq, occurredAt, type, action: 'server.stop', outcome, actorType: 'API_KEY', actorId: 'bench', actorName: 'bench', resourceType: 'server', resourceId: id, resourceName: srv.name, poolId: srv.poolId, operationId: opId, requestId: null, sourceIp: null, userAgent: null, fromStatus, toStatus, reason: null, details: null, prevHash: prev };
            const hash = auditHash(row);
            await c.query(
              `INSERT INTO audit_events (id, sequence, "occurredAt", type, action, outcome, "actorType", "actorId", "actorName", "resourceType", "resourceId", "resourceName", "poolId", "operationId", "fromStatus", "toStatus", "prevHash", hash)
               VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18)`,
              [row.id, seq.toString(), occurredAt, type, row.action, outcome, 'API_KEY', 'bench', 'bench', 'server', id, srv.name, srv.poolId, opId, fromStatus, toStatus, prev, hash],
            );
            prev = hash;
          }
          await c.query('COMMIT');
          latencies.push(performance.now() - s);
        }
      } finally {
        c.release();
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  await pool.end();
  latencies.sort((a, b) => a - b);
  return { perSec: Math.round(ids.length / secs), p50: +percentile(latencies, 50).toFixed(1), p99: +percentile(latencies, 99).toFixed(1) };
}

async function chainIntact(url: string): Promise<{ ok: boolean; rows: number }> {
  const c = new Client({ connectionString: url });
  await c.connect();
  const { rows } = await c.query('SELECT * FROM audit_events ORDER BY sequence');
  await c.end();
  let prev = GENESIS_HASH;
  for (const [i, e] of rows.entries()) {
    if (BigInt(e.sequence) !== BigInt(i + 1) || e.prevHash !== prev || auditHash({ ...e, sequence: BigInt(e.sequence) }) !== e.hash) return { ok: false, rows: rows.length };
    prev = e.hash;
  }
  return { ok: true, rows: rows.length };
}

async function main() {
  const server = await benchServer();
  const db = await freshDatabase(server.adminUrl, 'bench_api');
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  // BENCH_SERVICE_MAIN: another build of the service (e.g. an older commit, for a before/after).
  const main = process.env.BENCH_SERVICE_MAIN ?? path.join(__dirname, '..', 'dist', 'src', 'main.js');
  const svc = spawn(process.execPath, [...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []), main], {
    env: { ...process.env, DATABASE_URL: db.url, PORT: String(port), ADMIN_API_KEY: KEY, SIMULATOR_FLEET_SIZE: String(FLEET), WORKER_ENABLED: 'false', SYNC_ENABLED: 'false', LOG_LEVEL: 'error', NODE_ENV: 'production', RATE_LIMIT_PER_MINUTE: '0' },
    stdio: 'inherit',
  });
  const ceilPort = await freePort();
  const ceil = spawn(process.execPath, [path.join(__dirname, 'pg-ceiling-server.js')], { env: { ...process.env, DATABASE_URL: db.url, PORT: String(ceilPort) }, stdio: 'inherit' });
  try {
    await waitFor(`${base}/readyz`, svc);
    await waitFor(`http://127.0.0.1:${ceilPort}/v1/servers/srv-001`, ceil);
    const one = 'srv-001';
    console.log('reads: service by id ...');
    await cannon(`${base}/v1/servers/${one}`, { duration: 2 }); // warm-up
    const readById = await cannon(`${base}/v1/servers/${one}`);
    const ceilById = await cannon(`http://127.0.0.1:${ceilPort}/v1/servers/${one}`);
    console.log('reads: list of 50 ...');
    const readList = await cannon(`${base}/v1/servers?limit=50`);
    const ceilList = await cannon(`http://127.0.0.1:${ceilPort}/v1/servers?limit=50`);
    console.log('reads: p99 at half of peak ...');
    const half = await cannon(`${base}/v1/servers/${one}`, { overallRate: Math.max(1, Math.floor(readById.rps / 2)) });

    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    const all = (await pg.query(`SELECT id, status FROM servers ORDER BY id`)).rows as { id: string; status: string }[];
    const running = new Set(all.filter((s) => s.status === 'RUNNING').map((s) => s.id));
    const ids = all.map((s) => s.id);
    const half1 = ids.filter((_, i) => i % 2 === 0);
    const half2 = ids.filter((_, i) => i % 2 === 1);
    console.log(`writes: ${half1.length} accepted actions through the API ...`);
    const writes = await actions(base, half1, running);
    console.log(`writes: ${half2.length} with pg alone (ceiling) ...`);
    const ceiling = await writeCeiling(db.url, half2, running);
    await pg.end();
    const chain = await chainIntact(db.url);

    const m = machine();
    const ratio = (a: number, b: number) => `${((a / b) * 100).toFixed(0)}%`;
    const md = [
      `### API (fleet of ${FLEET}, ${DURATION}s per read run, ${READ_CONNECTIONS} connections; ${WRITE_CLIENTS} concurrent writers)`,
      '',
      '| measure | service | ceiling (`pg` alone) | ratio | target |',
      '|---|---|---|---|---|',
      `| GET /v1/servers/{id} req/s | ${readById.rps} (p50 ${readById.p50} ms, p99 ${readById.p99} ms) | ${ceilById.rps} | ${ratio(readById.rps, ceilById.rps)} | ≥ 50% |`,
      `| GET /v1/servers?limit=50 req/s | ${readList.rps} (p50 ${readList.p50} ms, p99 ${readList.p99} ms) | ${ceilList.rps} | ${ratio(readList.rps, ceilList.rps)} | ≥ 50% |`,
      `| accepted actions/s | ${writes.perSec} (p50 ${writes.p50} ms, p99 ${writes.p99} ms; ${writes.accepted} accepted) | ${ceiling.perSec} (p50 ${ceiling.p50} ms) | ${ratio(writes.perSec, ceiling.perSec)} | ≥ 60% |`,
      `| p99 at half of peak reads (${Math.floor(readById.rps / 2)} req/s) | ${half.p99} ms | | | < 50 ms |`,
      `| audit chain after the run | ${chain.ok ? 'intact' : 'BROKEN'} (${chain.rows} rows) | | | intact |`,
      '',
    ].join('\n');
    console.log(md);
    writeResult('api', md, { machine: m, readById, ceilById, readList, ceilList, half, writes, ceiling, chain });
  } finally {
    svc.kill('SIGTERM');
    ceil.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1000));
    await db.drop().catch(() => undefined);
    await server.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

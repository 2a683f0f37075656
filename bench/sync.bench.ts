/**
 * Status-sync benchmark: one full sweep over a large simulated fleet, timed
 * next to its lower bound (servers × provider latency ÷ concurrency), with and
 * without 1% drift, and the database writes the sweep made.
 *
 *   DATABASE_URL=postgresql://... npm run bench:sync
 *   BENCH_SERVERS=10000 BENCH_LATENCY_MS=100 BENCH_CONCURRENCY=64 BENCH_DRIFT_PCT=1
 *
 * Without DATABASE_URL a throwaway embedded PostgreSQL is started. Not a test:
 * it prints figures and never fails on timing.
 */
import type { INestApplication } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { createApp } from '../src/app.factory';
import { loadConfig } from '../src/config/config';
import { PrismaService } from '../src/database/prisma.service';
import { MetricsService } from '../src/metrics/metrics.service';
import { SyncPoller } from '../src/sync/sync.poller';
import { createTestDatabase } from '../test/support/database';
import { writeResult } from './support';

const num = (name: string, def: number) => (process.env[name] ? Number(process.env[name]) : def);
const SERVERS = num('BENCH_SERVERS', 10_000);
const LATENCY = num('BENCH_LATENCY_MS', 100); // a typical Redfish round trip is 100-500 ms
const CONCURRENCY = num('BENCH_CONCURRENCY', 64);
const DRIFT_PCT = num('BENCH_DRIFT_PCT', 1);

async function main() {
  const embedded = !process.env.DATABASE_URL;
  if (embedded) await require('../test/support/global-setup.js')();
  else process.env.TEST_ADMIN_DATABASE_URL = process.env.DATABASE_URL;
  const db = await createTestDatabase();
  let app: INestApplication | undefined;
  try {
    app = await createApp(
      loadConfig({
        NODE_ENV: 'test',
        DATABASE_URL: db.url,
        LOG_LEVEL: 'error',
        SIMULATOR_SEED: 'false',
        WORKER_ENABLED: 'false',
        SYNC_ENABLED: 'false',
        SYNC_CONCURRENCY: String(CONCURRENCY),
        SYNC_INTERVAL_MS: '3600000',
        SYNC_CALL_TIMEOUT_MS: String(Math.max(5000, LATENCY * 10)),
        INSTANCE_ID: 'bench',
      }),
    );
    const prisma = app.get(PrismaService);
    const poller = app.get(SyncPoller);
    const writes = app.get(MetricsService).registry.getSingleMetric('sync_db_writes_total') as Counter;

    await insertFleet(prisma);
    const bound = (SERVERS * LATENCY) / CONCURRENCY;
    console.log(`status-sync sweep: ${SERVERS} servers, provider latency ${LATENCY} ms, concurrency ${CONCURRENCY} (PostgreSQL pool 20)`);
    console.log(`lower bound = servers × latency ÷ concurrency = ${(bound / 1000).toFixed(2)} s\n`);

    const rows: string[] = [];
    const sweep = async (label: string) => {
      await prisma.$executeRaw`UPDATE sync_states SET "nextSyncAt" = now()`;
      const before = await snapshot(prisma);
      const w0 = await counts(writes);
      const s = await poller.sweep();
      const w1 = await counts(writes);
      const after = await snapshot(prisma);
      const d = (k: string) => (w1[k] ?? 0) - (w0[k] ?? 0);
      console.log(`${label}`);
      console.log(`  sweep ${(s.durationMs / 1000).toFixed(2)} s = ${(s.durationMs / bound).toFixed(2)} × bound; checked ${s.checked}, drift found ${s.driftFound}, repaired ${s.repaired}`);
      console.log(
        `  writes: ${d('claim')} claim statements (batched), ${d('last_synced_batch')} lastSyncedAt statements (batched), ` +
          `${d('state')} sync_states rows, ${d('transition')} status transitions, ${d('report')} reports`,
      );
      console.log(`  server rows changed besides lastSyncedAt: ${after.changed(before)}; audit rows +${after.audit - before.audit}\n`);
      rows.push(`| ${label} | ${(s.durationMs / 1000).toFixed(2)} s | ${(s.durationMs / bound).toFixed(2)} × | ${s.checked} | ${s.driftFound} / ${s.repaired} | ${d('claim')} + ${d('last_synced_batch')} | ${after.changed(before)} | +${after.audit - before.audit} |`);
      return s;
    };

    await sweep('warm-up sweep (creates sync_states rows; no drift)');
    await sweep('sweep without drift');
    const drifted = Math.round((SERVERS * DRIFT_PCT) / 100);
    await prisma.$executeRaw`UPDATE simulator.machines SET power = 'OFF' WHERE id IN (SELECT id FROM simulator.machines WHERE power = 'ON' ORDER BY id LIMIT ${drifted})`;
    await sweep(`sweep with ${DRIFT_PCT}% drift (${drifted} servers powered off), first observation (grace)`);
    await sweep(`sweep with ${DRIFT_PCT}% drift, second observation: adopted`);
    await sweep('sweep after repair (no drift)');
    writeResult(
      'sync',
      [
        `### Status sync (${SERVERS} servers, provider latency ${LATENCY} ms, concurrency ${CONCURRENCY})`,
        '',
        `Lower bound of a sweep = servers × latency ÷ concurrency = ${(bound / 1000).toFixed(2)} s.`,
        '',
        '| sweep | duration | vs bound | checked | drift found / repaired | claim + lastSyncedAt statements (batched) | server rows changed besides lastSyncedAt | audit rows |',
        '|---|---|---|---|---|---|---|---|',
        ...rows,
        '',
      ].join('\n'),
      { servers: SERVERS, latencyMs: LATENCY, concurrency: CONCURRENCY, boundMs: bound, rows },
    );
  } finally {
    await app?.close();
    await db.drop();
    if (embedded) await require('../test/support/global-teardown.js')();
  }
}

/** Inserts the fleet with SQL: one pool, SERVERS console rows and simulated machines. */
async function insertFleet(prisma: PrismaService) {
  await prisma.pool.create({ data: { id: 'pool-bench', name: 'bench' } });
  await prisma.$executeRaw`
    INSERT INTO servers (id, name, "poolId", status, "acceleratorType", "acceleratorModel", "acceleratorCount", vcpus, "memoryGib",
      architecture, flavor, "vpcId", "subnetId", "ipAddress", "systemDiskType", "systemDiskSizeGb", "imageId", "driverVersion", "firmwareVersion", "updatedAt")
    SELECT 'b-' || lpad(i::text, 6, '0'), 'bench-' || i, 'pool-bench', (CASE WHEN i % 2 = 0 THEN 'RUNNING' ELSE 'STOPPED' END)::"ServerStatus",
      'GPU', 'H100', 8, 224, 2048, 'X86_64', 'bench', 'vpc', 'subnet', '10.0.0.1', 'SSD', 480, 'img-ubuntu-22.04-x86-cuda', '550', '96', now()
    FROM generate_series(1, ${SERVERS}) i`;
  await prisma.$executeRaw`
    INSERT INTO simulator.machines (id, power, image_id, latency_ms)
    SELECT 'b-' || lpad(i::text, 6, '0'), CASE WHEN i % 2 = 0 THEN 'ON' ELSE 'OFF' END, 'img-ubuntu-22.04-x86-cuda', ${LATENCY}
    FROM generate_series(1, ${SERVERS}) i`;
}

async function counts(c: Counter): Promise<Record<string, number>> {
  return Object.fromEntries((await c.get()).values.map((v) => [String(v.labels.kind), v.value]));
}

async function snapshot(prisma: PrismaService) {
  const rows = await prisma.$queryRaw<{ id: string; v: number; u: Date }[]>`SELECT id, version AS v, "updatedAt" AS u FROM servers`;
  const map = new Map(rows.map((r) => [r.id, `${r.v}/${r.u.getTime()}`]));
  const audit = await prisma.auditEvent.count();
  return {
    map,
    audit,
    changed(before: { map: Map<string, string> }) {
      let n = 0;
      for (const [id, k] of map) if (before.map.get(id) !== k) n++;
      return n;
    },
  };
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

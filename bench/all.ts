/**
 * `npm run bench`: every bench/*.bench.ts in turn (each in its own process, with
 * modest defaults so the whole run takes a few minutes on 2 cores; any BENCH_*
 * variable set by the caller wins), then bench/report.ts gathers the figures
 * into bench/RESULTS.md. Stale results of an earlier run are removed first.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RESULTS_DIR } from './support';

/** Short runs for the gathered report; run a single benchmark for the full-size defaults. */
const MODEST: Record<string, Record<string, string>> = {
  'api.bench.ts': { BENCH_DURATION_S: '5', BENCH_FLEET: '2000' },
  'sync.bench.ts': { BENCH_SERVERS: '2000' },
  'audit.bench.ts': { AUDIT_BENCH_ROWS: '200000', AUDIT_BENCH_RUNS: '10' },
};

fs.rmSync(RESULTS_DIR, { recursive: true, force: true });
const benches = fs.readdirSync(__dirname).filter((f) => f.endsWith('.bench.ts')).sort((a, b) => (a === 'api.bench.ts' ? -1 : b === 'api.bench.ts' ? 1 : a.localeCompare(b)));
const tsNode = require.resolve('ts-node/dist/bin.js');
const run = (file: string, env: Record<string, string> = {}) => {
  console.log(`\n=== ${file} ===`);
  const r = spawnSync(process.execPath, [tsNode, '--transpile-only', path.join(__dirname, file)], { stdio: 'inherit', env: { ...env, ...process.env } });
  if (r.status !== 0) throw new Error(`${file} failed (exit ${r.status})`);
};
for (const b of benches) run(b, MODEST[b]);
run('report.ts');

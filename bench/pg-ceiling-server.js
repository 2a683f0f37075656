// The practical ceiling of this stack for reads: a bare Node HTTP server with
// `pg` alone, serving the same queries as GET /v1/servers/{id} and
// GET /v1/servers?limit=50 (no framework, no auth, no validation).
const http = require('node:http');
const { Pool } = require('pg');

const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 20 });
pool.on('error', () => undefined);
const server = http.createServer(async (req, res) => {
  try {
    const m = /^\/v1\/servers\/([^/?]+)$/.exec(req.url);
    const { rows } = m
      ? await pool.query('SELECT * FROM servers WHERE id = $1', [m[1]])
      : await pool.query('SELECT * FROM servers ORDER BY id LIMIT 51');
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(m ? rows[0] : { items: rows.slice(0, 50) }));
  } catch (e) {
    res.writeHead(500);
    res.end(String(e));
  }
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => server.close(() => pool.end().then(() => process.exit(0))));

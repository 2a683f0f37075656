const fs = require('node:fs');

module.exports = async () => {
  const e = globalThis.__EMBEDDED_PG__;
  if (!e) return;
  await e.pg.stop();
  fs.rmSync(e.dir, { recursive: true, force: true });
};

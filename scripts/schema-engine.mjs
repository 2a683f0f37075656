// Loads Prisma's WebAssembly schema engine by hand: its package imports a .wasm
// file as an ES module, which Node cannot do without a flag.
import fs from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export async function loadSchemaEngine() {
  const entry = require.resolve('@prisma/schema-engine-wasm');
  const dir = entry.slice(0, entry.lastIndexOf('/'));
  const bg = await import(`${dir}/schema_engine_bg.js`);
  const bytes = fs.readFileSync(`${dir}/schema_engine_bg.wasm`);
  const { instance } = await WebAssembly.instantiate(bytes, { './schema_engine_bg.js': bg });
  bg.__wbg_set_wasm(instance.exports);
  instance.exports.__wbindgen_start?.();
  return bg.SchemaEngine;
}

// Writes schema.graphql from the code-first resolvers: `npm run graphql:schema`.
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchemaSdl } from '../src/graphql/schema-sdl';

buildSchemaSdl()
  .then((sdl) => {
    writeFileSync(join(__dirname, '..', 'schema.graphql'), sdl);
    console.log('wrote schema.graphql');
  })
  .catch((e) => {
    console.error(e);
    process.exit(1);
  });

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchemaSdl } from '../src/graphql/schema-sdl';

/** schema.graphql is committed; regenerate it with `npm run graphql:schema` after changing resolvers or models. */
describe('schema.graphql', () => {
  it('matches the schema the code builds', async () => {
    const committed = readFileSync(join(__dirname, '..', 'schema.graphql'), 'utf8');
    expect(await buildSchemaSdl()).toBe(committed);
  });
});

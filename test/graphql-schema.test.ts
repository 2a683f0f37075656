import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PERMISSION_KEY } from '../src/auth/decorators';
import { GRAPHQL_RESOLVERS } from '../src/graphql/graphql.module';
import { buildSchemaSdl } from '../src/graphql/schema-sdl';

/** schema.graphql is committed; regenerate it with `npm run graphql:schema` after changing resolvers or models. */
describe('schema.graphql', () => {
  it('matches the schema the code builds', async () => {
    const committed = readFileSync(join(__dirname, '..', 'schema.graphql'), 'utf8');
    expect(await buildSchemaSdl()).toBe(committed);
  });
});

/** Fail closed at build time too: every resolver entry point declares its permission (the guard refuses those that do not). */
describe('GraphQL resolvers', () => {
  it('declare @RequirePermission on every query, mutation, subscription and resolved field', () => {
    const missing: string[] = [];
    let seen = 0;
    for (const cls of GRAPHQL_RESOLVERS) {
      for (const name of Object.getOwnPropertyNames(cls.prototype)) {
        const fn = (cls.prototype as unknown as Record<string, unknown>)[name];
        if (name === 'constructor' || typeof fn !== 'function') continue;
        // Resolver classes hold entry points only: every method is a query, mutation, subscription or field.
        seen++;
        if (!Reflect.getMetadata(PERMISSION_KEY, fn)) missing.push(`${cls.name}.${name}`);
      }
    }
    expect(seen).toBeGreaterThanOrEqual(30);
    expect(missing).toEqual([]);
  });
});

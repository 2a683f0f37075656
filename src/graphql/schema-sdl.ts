import { NestFactory } from '@nestjs/core';
import { GraphQLSchemaBuilderModule, GraphQLSchemaFactory } from '@nestjs/graphql';
import { GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { GRAPHQL_RESOLVERS } from './graphql.module';

const HEADER = '# Generated from the code-first resolvers by `npm run graphql:schema`; do not edit.\n# test/graphql-schema.test.ts fails when this file and the code disagree.\n\n';

/** The committed form of a schema: sorted, printed, with the header. */
export const printSdl = (schema: GraphQLSchema): string => HEADER + printSchema(lexicographicSortSchema(schema)) + '\n';

/** Builds the schema from the resolver classes alone (no database, no app). */
export async function buildSchemaSdl(): Promise<string> {
  const ctx = await NestFactory.createApplicationContext(GraphQLSchemaBuilderModule, { logger: false });
  try {
    return printSdl(await ctx.get(GraphQLSchemaFactory).create(GRAPHQL_RESOLVERS));
  } finally {
    await ctx.close();
  }
}

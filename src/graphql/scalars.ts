import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from 'graphql';

/** ISO 8601 date-time; the domain views already carry ISO strings. */
export const DateTimeScalar = new GraphQLScalarType({
  name: 'DateTime',
  description: 'An ISO 8601 date-time at UTC, such as 2026-01-31T09:54:33.000Z.',
  serialize: (v) => (v instanceof Date ? v.toISOString() : typeof v === 'string' ? v : null),
  parseValue: (v) => parseDate(v),
  parseLiteral: (ast) => parseDate(ast.kind === Kind.STRING ? ast.value : undefined),
});

function parseDate(v: unknown): Date {
  if (typeof v !== 'string' || Number.isNaN(Date.parse(v))) throw new GraphQLError('DateTime must be an ISO 8601 date-time string');
  return new Date(v);
}

/** Free-form JSON (operation params, audit details, data disks): output only. */
export const JSONScalar = new GraphQLScalarType({
  name: 'JSON',
  description: 'Arbitrary JSON value (read-only).',
  serialize: (v) => v,
  parseValue: () => {
    throw new GraphQLError('JSON is an output-only type');
  },
  parseLiteral: (_ast: ValueNode) => {
    throw new GraphQLError('JSON is an output-only type');
  },
});

import type { GraphQLFormattedError } from 'graphql';
import { GraphQLError } from 'graphql';
import { Logger } from '@nestjs/common';
import { DomainError, toErrorBody } from '../common/errors';

const logger = new Logger('GraphQL');

/** Codes GraphQL itself gives for requests it refuses (parse, validation, variables). */
const PROTOCOL_CODES = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT', 'BAD_REQUEST', 'OPERATION_RESOLUTION_FAILURE', 'PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED', 'QUERY_TOO_DEEP', 'QUERY_TOO_COMPLEX']);

function originalOf(error: unknown): unknown {
  let e = error;
  while (e instanceof GraphQLError && e.originalError && e.originalError !== e) e = e.originalError;
  return e;
}

/**
 * The one GraphQL error formatter: domain errors keep their REST code and
 * details in `extensions`; protocol errors pass through; anything else is a
 * generic INTERNAL, logged, with nothing of its text sent to the client.
 */
export function formatGraphqlError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const code = formatted.extensions?.code;
  const original = originalOf(error);
  if (!(original instanceof DomainError) && typeof code === 'string' && PROTOCOL_CODES.has(code)) {
    const { stacktrace: _s, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions };
  }
  const { body, unexpected } = toErrorBody(original);
  if (unexpected) logger.error(original instanceof Error ? original.stack : String(original));
  const extensions: Record<string, unknown> = { code: body.error.code };
  if (body.error.details !== undefined) extensions.details = body.error.details;
  return { message: body.error.message, locations: formatted.locations, path: formatted.path, extensions };
}

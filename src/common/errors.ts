/**
 * Every error the domain can raise, with its stable code and HTTP status. The
 * REST exception filter and the GraphQL error formatter both map these, so the
 * two transports always agree.
 */
export const ErrorCodes = {
  VALIDATION_FAILED: 400,
  DATA_LOSS_NOT_CONFIRMED: 400,
  QUERY_TOO_DEEP: 400, // GraphQL depth limit
  QUERY_TOO_COMPLEX: 400, // GraphQL complexity limit
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  PUBLIC_IMAGE_READ_ONLY: 403,
  STANDBY_ADMIN_ONLY: 403,
  NOT_FOUND: 404,
  INVALID_STATE: 409,
  CONFLICT: 409,
  IDEMPOTENCY_KEY_IN_USE: 409,
  IMAGE_ALREADY_INSTALLED: 409,
  IMAGE_IN_USE: 409,
  IMAGE_NOT_AVAILABLE: 409,
  NAME_TAKEN: 409,
  NO_STANDBY_AVAILABLE: 409,
  PRECONDITION_FAILED: 412,
  PAYLOAD_TOO_LARGE: 413,
  IDEMPOTENCY_KEY_REUSED: 422,
  IMAGE_INCOMPATIBLE: 422,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  SERVICE_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainError';
  }

  get status(): number {
    return ErrorCodes[this.code];
  }
}

export const notFound = (kind: string, id: string) => new DomainError('NOT_FOUND', `${kind} ${id} not found`, { resource: kind, id });

export interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

/** Maps anything thrown to the documented error body and an HTTP status.
 *  Unknown errors become a generic 500; their text never leaks to clients. */
export function toErrorBody(err: unknown): { status: number; body: ErrorBody; unexpected: boolean } {
  if (err instanceof DomainError) {
    const error: ErrorBody['error'] = { code: err.code, message: err.message };
    if (err.details !== undefined) error.details = err.details;
    return { status: err.status, body: { error }, unexpected: false };
  }
  const mapped = mapDatabaseError(err);
  if (mapped) return toErrorBody(mapped);
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'An unexpected error occurred' } }, unexpected: true };
}

/** Prisma's and PostgreSQL's own error codes, mapped in one place. */
export function mapDatabaseError(err: unknown): DomainError | undefined {
  const e = err as { code?: string; name?: string; message?: string; cause?: unknown } | undefined;
  if (!e || typeof e !== 'object') return undefined;
  if (e.code === 'P2025') return new DomainError('NOT_FOUND', 'Resource not found');
  // Prisma's pg adapter wraps PostgreSQL's own code (P2039 "Database error", P2010 "Raw query failed").
  const code = (e as { meta?: { driverAdapterError?: { cause?: { originalCode?: string } } } }).meta?.driverAdapterError?.cause?.originalCode ?? e.code;
  // Text PostgreSQL cannot store (a NUL character).
  if (code === '22021' || code === '22P05') return new DomainError('VALIDATION_FAILED', 'Text must not contain NUL characters');
  if (code === 'P2002' || code === '23505') return new DomainError('CONFLICT', 'A resource with the same unique value already exists');
  if (code === 'P2034' || code === '40001' || code === '40P01') return new DomainError('CONFLICT', 'Concurrent update, please retry');
  // Connection lost or refused, server shutting down or starting up (class 08, 57P01-57P03).
  if (['P1001', 'P1017', 'P2024', 'ECONNREFUSED', 'ECONNRESET', '57P01', '57P02', '57P03', '08000', '08003', '08006', '08001', '08004'].includes(code ?? '')) {
    return new DomainError('SERVICE_UNAVAILABLE', 'The database is unavailable, please retry');
  }
  if (/Can't reach database|Connection terminated|ECONNREFUSED|connection timeout|Timed out fetching a new connection|Cannot use a pool after calling end|not queryable|terminating connection|database system is (starting up|shutting down)/i.test(e.message ?? '')) {
    return new DomainError('SERVICE_UNAVAILABLE', 'The database is unavailable, please retry');
  }
  return undefined;
}

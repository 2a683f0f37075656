import { DomainError } from './errors';

/** Opaque cursors: base64url of the last item's sort key. */
export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodeCursor<T>(cursor: string | undefined, check: (v: unknown) => v is T): T | undefined {
  if (cursor === undefined) return undefined;
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (check(v)) return v;
  } catch {
    /* fall through */
  }
  throw new DomainError('VALIDATION_FAILED', 'Invalid cursor', { fields: [{ field: 'cursor', problems: ['cursor is not valid'] }] });
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

import { randomBytes, randomUUID } from 'node:crypto';

/** Prefixed, sortable-enough identifiers: readable in logs and audit rows. */
export const newId = (prefix: string): string => `${prefix}-${randomUUID()}`;
export const newRequestId = (): string => `req-${randomBytes(12).toString('hex')}`;

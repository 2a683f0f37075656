import type { Response } from 'express';
import { DomainError } from './errors';
import type { Accepted } from '../operations/operations.service';

const KEY = /^[\x21-\x7e]{1,255}$/;

/** Validates the Idempotency-Key header (printable ASCII, at most 255). */
export function idempotencyKey(raw: string | string[] | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !KEY.test(raw)) {
    throw new DomainError('VALIDATION_FAILED', 'Idempotency-Key must be 1-255 printable ASCII characters', {
      fields: [{ field: 'Idempotency-Key', problems: ['must be 1-255 printable ASCII characters'] }],
    });
  }
  return raw;
}

/** 202 Accepted with the operation and where to poll it. */
export function accepted(res: Response, a: Accepted) {
  res.status(202).setHeader('Location', `/v1/operations/${a.operation.id}`);
  if (a.replayed) res.setHeader('Idempotent-Replayed', 'true');
  return a.operation;
}

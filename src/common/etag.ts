import type { Response } from 'express';
import { DomainError } from './errors';

/** Strong ETag from a resource's version. */
export const etagOf = (r: { id: string; version: number }) => `"${r.id}.v${r.version}"`;

export function setEtag<T extends { id: string; version: number }>(res: Response, r: T): T {
  res.setHeader('ETag', etagOf(r));
  return r;
}

/** The version an If-Match header names, or undefined without one. */
export function ifMatchVersion(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const m = /^"[^"]+\.v(\d+)"$/.exec(header.trim());
  if (!m) throw new DomainError('PRECONDITION_FAILED', 'If-Match must be an ETag previously returned by this API');
  return Number(m[1]);
}

import type { Writable } from 'node:stream';
import type { AuditEvent } from '../generated/prisma/client';

export type ExportFormat = 'csv' | 'ndjson';

export const EXPORT_CONTENT_TYPE: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  ndjson: 'application/x-ndjson',
};

export const CSV_COLUMNS = [
  'sequence', 'id', 'occurredAt', 'type', 'action', 'outcome', 'actorType', 'actorId', 'actorName',
  'resourceType', 'resourceId', 'resourceName', 'poolId', 'operationId', 'requestId', 'sourceIp',
  'userAgent', 'fromStatus', 'toStatus', 'reason', 'details', 'prevHash', 'hash',
] as const;

/** The flat, column-for-column record both formats write (NDJSON keeps it exact): the row as stored. */
function flat(e: AuditEvent): Record<(typeof CSV_COLUMNS)[number], unknown> {
  const cell = (c: (typeof CSV_COLUMNS)[number]): unknown =>
    c === 'sequence' ? Number(e.sequence) : c === 'occurredAt' ? e.occurredAt.toISOString() : (e[c] ?? null);
  return Object.fromEntries(CSV_COLUMNS.map((c) => [c, cell(c)])) as Record<(typeof CSV_COLUMNS)[number], unknown>;
}

/**
 * RFC 4180 quoting. Cells a spreadsheet would run as a formula (user-chosen
 * names such as `=HYPERLINK(...)`) get a leading apostrophe (OWASP CSV
 * injection); NDJSON is the byte-faithful format for re-hashing rows.
 */
export function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  let s = typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function formatBatch(format: ExportFormat, rows: AuditEvent[]): string {
  if (format === 'ndjson') return rows.map((e) => `${JSON.stringify(flat(e))}\n`).join('');
  return rows.map((e) => `${CSV_COLUMNS.map((c) => csvCell(flat(e)[c])).join(',')}\r\n`).join('');
}

export const csvHeader = (): string => `${CSV_COLUMNS.join(',')}\r\n`;

/** Resolves when the stream can take more, false if the client went away. */
function drained(out: Writable): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean) => () => {
      out.off('drain', onDrain);
      out.off('close', onClose);
      resolve(ok);
    };
    const onDrain = done(true);
    const onClose = done(false);
    out.once('drain', onDrain);
    out.once('close', onClose);
  });
}

/**
 * Writes batches as they are read, honouring backpressure: the next batch is
 * read only once the socket has taken the previous one, so memory holds about
 * one batch whatever the range. Returns the number of rows written.
 */
export async function writeExport(out: Writable, format: ExportFormat, batches: AsyncIterable<AuditEvent[]>): Promise<number> {
  let rows = 0;
  // The CSV header goes out with the first batch, so a failure before any row can still be a proper error response.
  let header = format === 'csv' ? csvHeader() : '';
  for await (const batch of batches) {
    if (out.destroyed) break;
    rows += batch.length;
    const chunk = header + formatBatch(format, batch);
    header = '';
    if (!out.write(chunk) && !(await drained(out))) break;
  }
  if (header) out.write(header);
  return rows;
}

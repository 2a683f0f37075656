import { Transform } from 'class-transformer';
import { IsDate, IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { ToInt } from '../../common/dto';

const ToDate = () => Transform(({ value }) => (typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? new Date(value) : value));

export const AUDIT_TYPES = ['ACTION', 'STATE_TRANSITION', 'AUTH', 'FAULT', 'MAINTENANCE', 'SYNC', 'CONFIG'] as const;
export const AUDIT_OUTCOMES = ['ACCEPTED', 'SUCCEEDED', 'FAILED', 'REJECTED', 'DENIED'] as const;

/** The filters shared by list, export and summary. `from` is inclusive, `to` exclusive. */
export class AuditFilterQuery {
  @IsOptional() @IsString() @MaxLength(256) resourceId?: string;
  @IsOptional() @IsString() @MaxLength(64) resourceType?: string;
  @IsOptional() @IsString() @MaxLength(128) action?: string;
  @IsOptional() @IsIn(AUDIT_TYPES) type?: string;
  @IsOptional() @IsIn(AUDIT_OUTCOMES) outcome?: string;
  @IsOptional() @IsString() @MaxLength(256) actorId?: string;
  @IsOptional() @IsString() @MaxLength(128) poolId?: string;
  @IsOptional() @IsString() @MaxLength(128) operationId?: string;
  @IsOptional() @IsString() @MaxLength(128) requestId?: string;
  @IsOptional() @ToDate() @IsDate({ message: 'from must be an ISO 8601 date-time' }) from?: Date;
  @IsOptional() @ToDate() @IsDate({ message: 'to must be an ISO 8601 date-time' }) to?: Date;
}

export class AuditQuery extends AuditFilterQuery {
  @IsOptional() @IsIn(['asc', 'desc']) order?: 'asc' | 'desc';
  @IsOptional() @ToInt() @IsInt() @Min(1) @Max(200) limit: number = 50;
  @IsOptional() @IsString() @MaxLength(512) cursor?: string;
}

export class AuditExportQuery extends AuditFilterQuery {
  @IsOptional() @IsIn(['csv', 'ndjson']) format: 'csv' | 'ndjson' = 'ndjson';
  @IsOptional() @IsIn(['asc', 'desc']) order?: 'asc' | 'desc';
}

export class AuditSummaryQuery extends AuditFilterQuery {
  @IsIn(['action', 'actor', 'outcome', 'day']) groupBy: 'action' | 'actor' | 'outcome' | 'day';
}

/** Sequence numbers, inclusive; `to` defaults to the head of the chain. */
export class AuditVerifyQuery {
  @IsOptional() @ToInt() @IsInt() @Min(1) from?: number;
  @IsOptional() @ToInt() @IsInt() @Min(1) to?: number;
}

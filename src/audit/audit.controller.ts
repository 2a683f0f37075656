import { Controller, Get, Query, Req } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsDate, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { RequirePermission } from '../auth/decorators';
import { PageQuery } from '../common/dto';
import { contextOf, ContextualRequest } from '../common/request-context';
import { AuditService } from './audit.service';

const ToDate = () => Transform(({ value }) => (typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? new Date(value) : value));

export class AuditQuery extends PageQuery {
  @IsOptional() @IsString() @MaxLength(256) resourceId?: string;
  @IsOptional() @IsString() @MaxLength(64) resourceType?: string;
  @IsOptional() @IsString() @MaxLength(128) action?: string;
  @IsOptional() @IsIn(['ACTION', 'STATE_TRANSITION', 'AUTH', 'FAULT', 'MAINTENANCE', 'SYNC', 'CONFIG']) type?: string;
  @IsOptional() @IsIn(['ACCEPTED', 'SUCCEEDED', 'FAILED', 'REJECTED', 'DENIED']) outcome?: string;
  @IsOptional() @IsString() @MaxLength(256) actorId?: string;
  @IsOptional() @IsString() @MaxLength(128) poolId?: string;
  @IsOptional() @IsString() @MaxLength(128) operationId?: string;
  @IsOptional() @IsString() @MaxLength(128) requestId?: string;
  @IsOptional() @ToDate() @IsDate({ message: 'from must be an ISO 8601 date-time' }) from?: Date;
  @IsOptional() @ToDate() @IsDate({ message: 'to must be an ISO 8601 date-time' }) to?: Date;
  @IsOptional() @IsIn(['asc', 'desc']) order?: 'asc' | 'desc';
}

@Controller('v1/audit-events')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @RequirePermission('audit:read')
  list(@Req() req: ContextualRequest, @Query() q: AuditQuery) {
    return this.audit.list(contextOf(req).principal, q);
  }
}

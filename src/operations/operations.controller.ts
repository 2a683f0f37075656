import { Controller, Get, Param, Query, Req } from '@nestjs/common';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { RequirePermission } from '../auth/decorators';
import { PageQuery } from '../common/dto';
import { contextOf, ContextualRequest } from '../common/request-context';
import { OperationsService } from './operations.service';

const OPERATION_STATUSES = ['PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED'] as const;
const OPERATION_TYPES = ['START', 'STOP', 'RESTART', 'SYNC', 'SWITCH_OS', 'RESET_OS', 'CREATE_IMAGE', 'UPGRADE', 'FAILOVER', 'REPAIR'] as const;

export class ListOperationsQuery extends PageQuery {
  @IsOptional()
  @IsString()
  @MaxLength(128)
  serverId?: string;

  @IsOptional()
  @IsIn(OPERATION_STATUSES)
  status?: (typeof OPERATION_STATUSES)[number];

  @IsOptional()
  @IsIn(OPERATION_TYPES)
  type?: (typeof OPERATION_TYPES)[number];
}

@Controller('v1/operations')
export class OperationsController {
  constructor(private readonly operations: OperationsService) {}

  @Get()
  @RequirePermission('operations:read')
  list(@Req() req: ContextualRequest, @Query() q: ListOperationsQuery) {
    return this.operations.list(contextOf(req).principal, q);
  }

  @Get(':id')
  @RequirePermission('operations:read')
  get(@Req() req: ContextualRequest, @Param('id') id: string) {
    return this.operations.get(contextOf(req).principal, id);
  }
}

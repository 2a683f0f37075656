import { Controller, Get, Param, Query, Req } from '@nestjs/common';
import { RequirePermission } from '../auth/decorators';
import { PageQuery } from '../common/dto';
import { contextOf, ContextualRequest } from '../common/request-context';
import { AuditService } from './audit.service';

/**
 * A server's timeline for anyone who may read the server (`servers:read`), not
 * only auditors: operators need it to understand a machine. It leaves out the
 * forensic fields (source IP, user agent, details, hashes) that stay behind `audit:read`.
 */
@Controller('v1/servers')
export class ServerHistoryController {
  constructor(private readonly audit: AuditService) {}

  @Get(':id/history')
  @RequirePermission('servers:read')
  history(@Req() req: ContextualRequest, @Param('id') id: string, @Query() q: PageQuery) {
    return this.audit.history(contextOf(req).principal, id, q);
  }
}

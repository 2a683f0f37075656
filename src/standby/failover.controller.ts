import { Body, Controller, Param, Post, Req, Res } from '@nestjs/common';
import type { Response } from 'express';
import { RequirePermission } from '../auth/decorators';
import { AuditedAction } from '../audit/audited-action.decorator';
import { EmptyBody } from '../common/dto';
import { accepted } from '../common/http';
import { contextOf, ContextualRequest } from '../common/request-context';
import { FailoverService } from './failover.service';

@Controller('v1/servers')
export class FailoverController {
  constructor(private readonly failovers: FailoverService) {}

  /** The swap is a database change, so the operation is already SUCCEEDED (202 + Location like every action). */
  @Post(':id/failover')
  @RequirePermission('servers:admin')
  @AuditedAction('server.failover')
  async failover(@Req() req: ContextualRequest, @Param('id') id: string, @Body() _b: EmptyBody, @Res({ passthrough: true }) res: Response) {
    return accepted(res, { operation: await this.failovers.failover(contextOf(req), id), replayed: false });
  }
}

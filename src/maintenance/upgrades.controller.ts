import { Body, Controller, Headers, Param, Post, Req, Res } from '@nestjs/common';
import type { Response } from 'express';
import { RequirePermission } from '../auth/decorators';
import { AuditedAction } from '../audit/audited-action.decorator';
import { accepted, idempotencyKey } from '../common/http';
import { contextOf, ContextualRequest } from '../common/request-context';
import { OperationsService } from '../operations/operations.service';
import { UpgradeDto } from './maintenance.dto';

@Controller('v1/servers')
export class UpgradesController {
  constructor(private readonly operations: OperationsService) {}

  /** Driver or firmware upgrade: RUNNING/STOPPED -> UPGRADING -> back, as a durable operation. */
  @Post(':id/upgrade')
  @RequirePermission('servers:admin')
  @AuditedAction('server.upgrade')
  async upgrade(@Req() req: ContextualRequest, @Param('id') id: string, @Body() body: UpgradeDto, @Headers('idempotency-key') key: string | undefined, @Res({ passthrough: true }) res: Response) {
    const params = { component: body.component, version: body.version };
    return accepted(res, await this.operations.request(contextOf(req), { action: 'upgrade', type: 'UPGRADE', serverId: id, params, idempotencyKey: idempotencyKey(key) }));
  }
}

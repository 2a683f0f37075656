import { Body, Controller, Get, Param, Put, Req } from '@nestjs/common';
import { RequirePermission } from '../auth/decorators';
import { AuditedAction } from '../audit/audited-action.decorator';
import { contextOf, ContextualRequest } from '../common/request-context';
import { HotStandbyDto } from './hot-standby.dto';
import { HotStandbyService } from './hot-standby.service';

@Controller('v1/pools')
export class HotStandbyController {
  constructor(private readonly hotStandby: HotStandbyService) {}

  @Get(':id/hot-standby')
  @RequirePermission('pools:read')
  get(@Req() req: ContextualRequest, @Param('id') id: string) {
    return this.hotStandby.get(contextOf(req).principal, id);
  }

  @Put(':id/hot-standby')
  @RequirePermission('pools:admin')
  @AuditedAction('pool.hot-standby', 'pool')
  put(@Req() req: ContextualRequest, @Param('id') id: string, @Body() body: HotStandbyDto) {
    return this.hotStandby.put(contextOf(req), id, body);
  }
}

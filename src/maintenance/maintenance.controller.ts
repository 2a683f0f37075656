import { Body, Controller, Get, Param, Post, Query, Req } from '@nestjs/common';
import { RequirePermission } from '../auth/decorators';
import { AuditedAction } from '../audit/audited-action.decorator';
import { contextOf, ContextualRequest } from '../common/request-context';
import { AuthorizeDto, DecisionDto, ListMaintenanceEventsQuery } from './maintenance.dto';
import { MaintenanceService } from './maintenance.service';

@Controller('v1/maintenance-events')
export class MaintenanceController {
  constructor(private readonly maintenance: MaintenanceService) {}

  @Get()
  @RequirePermission('maintenance:read')
  list(@Req() req: ContextualRequest, @Query() q: ListMaintenanceEventsQuery) {
    return this.maintenance.list(contextOf(req).principal, q);
  }

  @Get(':id')
  @RequirePermission('maintenance:read')
  get(@Req() req: ContextualRequest, @Param('id') id: string) {
    return this.maintenance.get(contextOf(req).principal, id);
  }

  @Post(':id/authorize')
  @RequirePermission('maintenance:admin')
  @AuditedAction('maintenance.authorize', 'maintenance-event')
  authorize(@Req() req: ContextualRequest, @Param('id') id: string, @Body() body: AuthorizeDto) {
    return this.maintenance.authorize(contextOf(req), id, body.note, body.notBefore);
  }

  @Post(':id/reject')
  @RequirePermission('maintenance:admin')
  @AuditedAction('maintenance.reject', 'maintenance-event')
  reject(@Req() req: ContextualRequest, @Param('id') id: string, @Body() body: DecisionDto) {
    return this.maintenance.reject(contextOf(req), id, body.note);
  }

  /** The repair crew reports the node restored (operators and admins). */
  @Post(':id/complete')
  @RequirePermission('maintenance:complete')
  @AuditedAction('maintenance.complete', 'maintenance-event')
  complete(@Req() req: ContextualRequest, @Param('id') id: string, @Body() body: DecisionDto) {
    return this.maintenance.complete(contextOf(req), id, body.note);
  }
}

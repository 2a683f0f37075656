import { Body, Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import { RequirePermission } from '../auth/decorators';
import { AuditedAction } from '../audit/audited-action.decorator';
import { contextOf, ContextualRequest } from '../common/request-context';
import { FaultsService } from './faults.service';
import { ReportFaultDto } from './maintenance.dto';

@Controller('v1/servers')
export class FaultsController {
  constructor(private readonly faults: FaultsService) {}

  @Post(':id/faults')
  @HttpCode(201)
  @RequirePermission('faults:report')
  @AuditedAction('server.fault')
  report(@Req() req: ContextualRequest, @Param('id') id: string, @Body() body: ReportFaultDto) {
    return this.faults.report(contextOf(req), id, body);
  }
}

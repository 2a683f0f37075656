import { Body, Controller, Get, Param, Put, Req } from '@nestjs/common';
import { AuditedAction } from '../audit/audited-action.decorator';
import { RequirePermission } from '../auth/decorators';
import { contextOf, ContextualRequest } from '../common/request-context';
import { SetSyncPolicyDto } from './dto/sync-policy.dto';
import { SyncPolicyService } from './sync-policy.service';

@Controller('v1/pools')
export class SyncPolicyController {
  constructor(private readonly policies: SyncPolicyService) {}

  @Get(':id/sync-policy')
  @RequirePermission('pools:read')
  get(@Req() req: ContextualRequest, @Param('id') id: string) {
    return this.policies.get(contextOf(req).principal, id);
  }

  @Put(':id/sync-policy')
  @RequirePermission('pools:admin')
  @AuditedAction('pool.sync-policy', 'pool')
  set(@Req() req: ContextualRequest, @Param('id') id: string, @Body() body: SetSyncPolicyDto) {
    return this.policies.set(contextOf(req), id, body.policy);
  }
}

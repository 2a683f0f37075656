import { Controller, Get, Param, Req } from '@nestjs/common';
import { RequirePermission } from '../auth/decorators';
import { contextOf, ContextualRequest } from '../common/request-context';
import { PoolsService } from './pools.service';

@Controller('v1/pools')
export class PoolsController {
  constructor(private readonly pools: PoolsService) {}

  @Get()
  @RequirePermission('pools:read')
  list(@Req() req: ContextualRequest) {
    return this.pools.list(contextOf(req).principal);
  }

  @Get(':id')
  @RequirePermission('pools:read')
  get(@Req() req: ContextualRequest, @Param('id') id: string) {
    return this.pools.get(contextOf(req).principal, id);
  }
}

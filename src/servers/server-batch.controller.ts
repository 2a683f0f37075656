import { Body, Controller, Headers, HttpCode, Post, Req } from '@nestjs/common';
import { RequirePermission } from '../auth/decorators';
import { idempotencyKey } from '../common/http';
import { contextOf, ContextualRequest } from '../common/request-context';
import { BatchActionDto } from './dto/batch-action.dto';
import { ServerBatchService } from './server-batch.service';

@Controller('v1/servers')
export class ServerBatchController {
  constructor(private readonly batch: ServerBatchService) {}

  /** Per-server results, never all-or-nothing: 200 even when some items are refused. */
  @Post('actions')
  @HttpCode(200)
  @RequirePermission('servers:operate')
  run(@Req() req: ContextualRequest, @Body() body: BatchActionDto, @Headers('idempotency-key') key: string | undefined) {
    return this.batch.run(contextOf(req), { ...body, idempotencyKey: idempotencyKey(key) });
  }
}

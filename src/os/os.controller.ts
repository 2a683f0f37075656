import { Body, Controller, Headers, Param, Post, Req, Res } from '@nestjs/common';
import type { Response } from 'express';
import { RequirePermission } from '../auth/decorators';
import { AuditedAction } from '../audit/audited-action.decorator';
import { accepted, idempotencyKey } from '../common/http';
import { contextOf, ContextualRequest } from '../common/request-context';
import { CreateImageDto } from '../images/dto/image.dto';
import { ResetOsDto, SwitchOsDto } from './dto/os.dto';
import { OsService } from './os.service';

/** OS management on one server: admin only, each a durable operation (202 + Location). */
@Controller('v1/servers')
export class OsController {
  constructor(private readonly os: OsService) {}

  @Post(':id/switch-os')
  @RequirePermission('servers:admin')
  @AuditedAction('server.switch-os')
  async switchOs(@Req() req: ContextualRequest, @Param('id') id: string, @Body() body: SwitchOsDto, @Headers('idempotency-key') key: string | undefined, @Res({ passthrough: true }) res: Response) {
    return accepted(res, await this.os.switchOs(contextOf(req), id, body, idempotencyKey(key)));
  }

  @Post(':id/reset-os')
  @RequirePermission('servers:admin')
  @AuditedAction('server.reset-os')
  async resetOs(@Req() req: ContextualRequest, @Param('id') id: string, @Body() body: ResetOsDto, @Headers('idempotency-key') key: string | undefined, @Res({ passthrough: true }) res: Response) {
    return accepted(res, await this.os.resetOs(contextOf(req), id, body, idempotencyKey(key)));
  }

  @Post(':id/images')
  @RequirePermission('servers:admin')
  @AuditedAction('server.create-image')
  async createImage(@Req() req: ContextualRequest, @Param('id') id: string, @Body() body: CreateImageDto, @Headers('idempotency-key') key: string | undefined, @Res({ passthrough: true }) res: Response) {
    return accepted(res, await this.os.createImage(contextOf(req), id, body, idempotencyKey(key)));
  }
}

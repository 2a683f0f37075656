import { Body, Controller, Get, Headers, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import type { Response } from 'express';
import { RequirePermission } from '../auth/decorators';
import { AuditedAction } from '../audit/audited-action.decorator';
import { EmptyBody } from '../common/dto';
import { accepted, idempotencyKey } from '../common/http';
import { contextOf, ContextualRequest } from '../common/request-context';
import { ServerActionsService } from './server-actions.service';
import { ServersService } from './servers.service';
import { ListServersQuery, RenameServerDto, RestartServerDto, StopServerDto } from './dto/server.dto';
import { ifMatchVersion, setEtag } from '../common/etag';

@Controller('v1/servers')
export class ServersController {
  constructor(
    private readonly servers: ServersService,
    private readonly actions: ServerActionsService,
  ) {}

  @Get()
  @RequirePermission('servers:read')
  list(@Req() req: ContextualRequest, @Query() q: ListServersQuery) {
    return this.servers.list(contextOf(req).principal, q);
  }

  @Get(':id')
  @RequirePermission('servers:read')
  async get(@Req() req: ContextualRequest, @Param('id') id: string, @Res({ passthrough: true }) res: Response) {
    return setEtag(res, await this.servers.get(contextOf(req).principal, id));
  }

  @Patch(':id')
  @RequirePermission('servers:operate')
  @AuditedAction('server.rename')
  async rename(@Req() req: ContextualRequest, @Param('id') id: string, @Body() body: RenameServerDto, @Headers('if-match') ifMatch: string | undefined, @Res({ passthrough: true }) res: Response) {
    return setEtag(res, await this.servers.rename(contextOf(req), id, body.name, ifMatchVersion(ifMatch)));
  }

  @Post(':id/start')
  @RequirePermission('servers:operate')
  @AuditedAction('server.start')
  async start(@Req() req: ContextualRequest, @Param('id') id: string, @Body() _b: EmptyBody, @Headers('idempotency-key') key: string | undefined, @Res({ passthrough: true }) res: Response) {
    return accepted(res, await this.actions.start(contextOf(req), id, idempotencyKey(key)));
  }

  @Post(':id/stop')
  @RequirePermission('servers:operate')
  @AuditedAction('server.stop')
  async stop(@Req() req: ContextualRequest, @Param('id') id: string, @Body() body: StopServerDto, @Headers('idempotency-key') key: string | undefined, @Res({ passthrough: true }) res: Response) {
    return accepted(res, await this.actions.stop(contextOf(req), id, body.force === true, idempotencyKey(key)));
  }

  @Post(':id/restart')
  @RequirePermission('servers:operate')
  @AuditedAction('server.restart')
  async restart(@Req() req: ContextualRequest, @Param('id') id: string, @Body() body: RestartServerDto, @Headers('idempotency-key') key: string | undefined, @Res({ passthrough: true }) res: Response) {
    return accepted(res, await this.actions.restart(contextOf(req), id, body.type ?? 'SOFT', idempotencyKey(key)));
  }

  @Post(':id/sync')
  @RequirePermission('servers:operate')
  @AuditedAction('server.sync')
  async sync(@Req() req: ContextualRequest, @Param('id') id: string, @Body() _b: EmptyBody, @Headers('idempotency-key') key: string | undefined, @Res({ passthrough: true }) res: Response) {
    return accepted(res, await this.actions.sync(contextOf(req), id, idempotencyKey(key)));
  }
}

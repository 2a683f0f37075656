import { Body, Controller, Delete, Get, Header, HttpCode, Param, Post, Req } from '@nestjs/common';
import { AuditedAction } from '../audit/audited-action.decorator';
import { contextOf, ContextualRequest } from '../common/request-context';
import { ApiKeysService } from './api-keys.service';
import { RequirePermission } from './decorators';
import { CreateApiKeyDto } from './dto/api-key.dto';

@Controller('v1/api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @RequirePermission('api-keys:manage')
  @AuditedAction('api-key.create', 'api-key')
  @Header('Cache-Control', 'no-store') // the only response that ever carries the secret
  create(@Req() req: ContextualRequest, @Body() body: CreateApiKeyDto) {
    return this.keys.issue(contextOf(req), body);
  }

  @Get()
  @RequirePermission('api-keys:manage')
  list(@Req() req: ContextualRequest) {
    return this.keys.list(contextOf(req).principal);
  }

  @Delete(':id')
  @HttpCode(204)
  @RequirePermission('api-keys:manage')
  @AuditedAction('api-key.revoke', 'api-key')
  async revoke(@Req() req: ContextualRequest, @Param('id') id: string): Promise<void> {
    await this.keys.revoke(contextOf(req), id);
  }
}

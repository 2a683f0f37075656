import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Patch, Query, Req, Res } from '@nestjs/common';
import type { Response } from 'express';
import { IsIn, IsOptional } from 'class-validator';
import { RequirePermission } from '../auth/decorators';
import { AuditedAction } from '../audit/audited-action.decorator';
import { ifMatchVersion, setEtag } from '../common/etag';
import { contextOf, ContextualRequest } from '../common/request-context';
import { UpdateImageDto } from './dto/image.dto';
import { ImagesService } from './images.service';

export class ListImagesQuery {
  @IsOptional() @IsIn(['PUBLIC', 'CUSTOM']) type?: 'PUBLIC' | 'CUSTOM';
  @IsOptional() @IsIn(['X86_64', 'AARCH64']) architecture?: 'X86_64' | 'AARCH64';
  @IsOptional() @IsIn(['NPU', 'GPU']) accelerator?: 'NPU' | 'GPU';
  @IsOptional() @IsIn(['CREATING', 'AVAILABLE', 'FAILED']) status?: 'CREATING' | 'AVAILABLE' | 'FAILED';
}

@Controller('v1/images')
export class ImagesController {
  constructor(private readonly images: ImagesService) {}

  @Get()
  @RequirePermission('images:read')
  list(@Req() req: ContextualRequest, @Query() q: ListImagesQuery) {
    return this.images.list(contextOf(req).principal, q);
  }

  @Get(':id')
  @RequirePermission('images:read')
  async get(@Req() req: ContextualRequest, @Param('id') id: string, @Res({ passthrough: true }) res: Response) {
    return setEtag(res, await this.images.get(contextOf(req).principal, id));
  }

  @Patch(':id')
  @RequirePermission('images:write')
  @AuditedAction('image.update', 'image')
  async update(@Req() req: ContextualRequest, @Param('id') id: string, @Body() body: UpdateImageDto, @Headers('if-match') ifMatch: string | undefined, @Res({ passthrough: true }) res: Response) {
    return setEtag(res, await this.images.update(contextOf(req), id, body, ifMatchVersion(ifMatch)));
  }

  @Delete(':id')
  @HttpCode(204)
  @RequirePermission('images:write')
  @AuditedAction('image.delete', 'image')
  async remove(@Req() req: ContextualRequest, @Param('id') id: string, @Headers('if-match') ifMatch: string | undefined): Promise<void> {
    await this.images.remove(contextOf(req), id, ifMatchVersion(ifMatch));
  }
}

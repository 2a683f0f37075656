import { Controller, Get, Param, Query, Req } from '@nestjs/common';
import { IsIn, IsOptional } from 'class-validator';
import { RequirePermission } from '../auth/decorators';
import { contextOf, ContextualRequest } from '../common/request-context';
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
  get(@Req() req: ContextualRequest, @Param('id') id: string) {
    return this.images.get(contextOf(req).principal, id);
  }
}

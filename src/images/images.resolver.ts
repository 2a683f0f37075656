import { Args, ArgsType, Field, Query, Resolver } from '@nestjs/graphql';
import { IsIn, IsOptional } from 'class-validator';
import { RequirePermission } from '../auth/decorators';
import type { RequestContext } from '../common/request-context';
import { Accelerator, Architecture, ImageStatus, ImageType } from '../graphql/enums';
import { GqlRequest } from '../graphql/context';
import { ImageModel } from './image.model';
import { ImagesService } from './images.service';

@ArgsType()
export class ImagesArgs {
  @Field(() => ImageType, { nullable: true }) @IsOptional() @IsIn(Object.values(ImageType)) type?: ImageType;
  @Field(() => Architecture, { nullable: true }) @IsOptional() @IsIn(Object.values(Architecture)) architecture?: Architecture;
  @Field(() => Accelerator, { nullable: true }) @IsOptional() @IsIn(Object.values(Accelerator)) accelerator?: Accelerator;
  @Field(() => ImageStatus, { nullable: true }) @IsOptional() @IsIn(Object.values(ImageStatus)) status?: ImageStatus;
}

@Resolver(() => ImageModel)
export class ImagesResolver {
  constructor(private readonly imagesService: ImagesService) {}

  @Query(() => [ImageModel], { description: 'Public images and the custom images of your pools.' })
  @RequirePermission('images:read')
  async images(@GqlRequest() ctx: RequestContext, @Args() a: ImagesArgs) {
    return (await this.imagesService.list(ctx.principal, a)).items;
  }
}

import { Args, ArgsType, Field, ID, Int, Mutation, Query, Resolver } from '@nestjs/graphql';
import { IsIn, IsInt, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { AuditedAction } from '../audit/audited-action.decorator';
import { IMAGE_NAME, IMAGE_NAME_MESSAGE } from './dto/image.dto';
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

@ArgsType()
export class ImageIdArgs {
  @Field(() => ID) @IsString() @MaxLength(128) id: string;
  @Field(() => Int, { nullable: true, description: 'Refuse with PRECONDITION_FAILED unless the image has this version (REST If-Match).' }) @IsOptional() @IsInt() expectedVersion?: number;
}

@ArgsType()
export class UpdateImageArgs extends ImageIdArgs {
  @Field({ nullable: true }) @IsOptional() @IsString() @MinLength(1) @MaxLength(64) @Matches(IMAGE_NAME, { message: IMAGE_NAME_MESSAGE }) name?: string;
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(1024) description?: string;
}

@Resolver(() => ImageModel)
export class ImagesResolver {
  constructor(private readonly imagesService: ImagesService) {}

  @Query(() => [ImageModel], { description: 'Public images and the custom images of your pools.' })
  @RequirePermission('images:read')
  async images(@GqlRequest() ctx: RequestContext, @Args() a: ImagesArgs) {
    return (await this.imagesService.list(ctx.principal, a)).items;
  }

  @Mutation(() => ImageModel, { description: 'Rename or describe a custom image.' })
  @RequirePermission('images:write')
  @AuditedAction('image.update', 'image')
  updateImage(@GqlRequest() ctx: RequestContext, @Args() a: UpdateImageArgs) {
    return this.imagesService.update(ctx, a.id, { name: a.name, description: a.description }, a.expectedVersion);
  }

  @Mutation(() => ID, { description: 'Delete a custom image (refused with IMAGE_IN_USE while a server runs it); returns its id.' })
  @RequirePermission('images:write')
  @AuditedAction('image.delete', 'image')
  async deleteImage(@GqlRequest() ctx: RequestContext, @Args() a: ImageIdArgs) {
    await this.imagesService.remove(ctx, a.id, a.expectedVersion);
    return a.id;
  }
}

import { Args, ArgsType, Field, ID, Mutation, Resolver } from '@nestjs/graphql';
import { IsBoolean, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { AuditedAction } from '../audit/audited-action.decorator';
import { RequirePermission } from '../auth/decorators';
import type { RequestContext } from '../common/request-context';
import { GqlRequest } from '../graphql/context';
import { IMAGE_NAME, IMAGE_NAME_MESSAGE } from '../images/dto/image.dto';
import { OperationModel } from '../operations/operation.model';
import { ServerActionArgs } from '../servers/server.args';
import { OsService } from './os.service';

const DATA_LOSS = 'Must be true: the system disk is erased (data disks are kept). Without it the request is refused with DATA_LOSS_NOT_CONFIRMED.';

@ArgsType()
export class SwitchOsArgs extends ServerActionArgs {
  @Field(() => ID) @IsString() @MinLength(1) @MaxLength(128) imageId: string;
  @Field({ nullable: true, description: DATA_LOSS }) @IsOptional() @IsBoolean() confirmDataLoss?: boolean;
}

@ArgsType()
export class ResetOsArgs extends ServerActionArgs {
  @Field({ nullable: true, description: DATA_LOSS }) @IsOptional() @IsBoolean() confirmDataLoss?: boolean;
}

@ArgsType()
export class CreateImageArgs extends ServerActionArgs {
  @Field() @IsString() @MinLength(1) @MaxLength(64) @Matches(IMAGE_NAME, { message: IMAGE_NAME_MESSAGE }) name: string;
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(1024) description?: string;
}

/** OS management mutations (admin): the same OsService as POST /v1/servers/{id}/switch-os, reset-os, images. */
@Resolver()
export class OsResolver {
  constructor(private readonly os: OsService) {}

  @Mutation(() => OperationModel, { description: 'Reinstall the server (STOPPED) with another image. Erases the system disk.' })
  @RequirePermission('servers:admin')
  @AuditedAction('server.switch-os')
  async switchOs(@GqlRequest() ctx: RequestContext, @Args() a: SwitchOsArgs) {
    return (await this.os.switchOs(ctx, a.id, { imageId: a.imageId, confirmDataLoss: a.confirmDataLoss }, a.idempotencyKey)).operation;
  }

  @Mutation(() => OperationModel, { description: 'Reinstall the current image on the server (STOPPED). Erases the system disk.' })
  @RequirePermission('servers:admin')
  @AuditedAction('server.reset-os')
  async resetOs(@GqlRequest() ctx: RequestContext, @Args() a: ResetOsArgs) {
    return (await this.os.resetOs(ctx, a.id, { confirmDataLoss: a.confirmDataLoss }, a.idempotencyKey)).operation;
  }

  @Mutation(() => OperationModel, { description: 'Capture a custom image from the server (STOPPED); the image is CREATING until the operation ends.' })
  @RequirePermission('servers:admin')
  @AuditedAction('server.create-image')
  async createImage(@GqlRequest() ctx: RequestContext, @Args() a: CreateImageArgs) {
    return (await this.os.createImage(ctx, a.id, { name: a.name, description: a.description }, a.idempotencyKey)).operation;
  }
}

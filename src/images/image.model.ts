import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import { Accelerator, Architecture, ImageStatus, ImageType } from '../graphql/enums';
import { DateTimeScalar } from '../graphql/scalars';

@ObjectType('Image')
export class ImageModel {
  @Field(() => ID) id: string;
  @Field() name: string;
  @Field() description: string;
  @Field(() => ImageType) type: string;
  @Field(() => ImageStatus) status: string;
  @Field() osFamily: string;
  @Field() osVersion: string;
  @Field(() => Architecture) architecture: string;
  @Field(() => Accelerator, { nullable: true }) accelerator: string | null;
  @Field(() => Int) sizeGb: number;
  @Field(() => String, { nullable: true }) failureReason: string | null;
  @Field(() => ID, { nullable: true }) poolId: string | null;
  @Field(() => ID, { nullable: true }) sourceServerId: string | null;
  @Field(() => String, { nullable: true }) createdBy: string | null;
  @Field(() => Int) version: number;
  @Field(() => DateTimeScalar) createdAt: string;
  @Field(() => DateTimeScalar) updatedAt: string;
}

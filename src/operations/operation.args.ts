import { ArgsType, Field, ID, InputType, Int } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { DEFAULT_PAGE, MAX_PAGE } from '../graphql/connection';
import { OperationStatus, OperationType } from '../graphql/enums';

@InputType()
export class OperationFilterInput {
  @Field(() => ID, { nullable: true }) @IsOptional() @IsString() @MaxLength(128) serverId?: string;
  @Field(() => OperationStatus, { nullable: true }) @IsOptional() @IsIn(Object.values(OperationStatus)) status?: OperationStatus;
  @Field(() => OperationType, { nullable: true }) @IsOptional() @IsIn(Object.values(OperationType)) type?: OperationType;
}

@ArgsType()
export class OperationsArgs {
  @Field(() => OperationFilterInput, { nullable: true }) @IsOptional() @ValidateNested() @Type(() => OperationFilterInput) filter?: OperationFilterInput;
  @Field(() => Int, { defaultValue: DEFAULT_PAGE, description: `Page size, 1-${MAX_PAGE}; newest first.` }) @IsInt() @Min(1) @Max(MAX_PAGE) first: number = DEFAULT_PAGE;
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(512) after?: string;
}

@ArgsType()
export class OperationIdArgs {
  @Field(() => ID) @IsString() @MaxLength(128) id: string;
}

@ArgsType()
export class OperationUpdatedArgs {
  @Field(() => ID, { nullable: true, description: 'Only this server (default: every server you may see).' }) @IsOptional() @IsString() @MaxLength(128) serverId?: string;
}

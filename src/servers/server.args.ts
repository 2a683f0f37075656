import { ArgsType, Field, ID, InputType, Int } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength, ValidateNested } from 'class-validator';
import { DEFAULT_PAGE, MAX_PAGE } from '../graphql/connection';
import { RestartType, ServerStatus } from '../graphql/enums';
import { SERVER_STATUSES } from './server.state-machine';

/** Same rules as the REST DTOs (dto/server.dto.ts and the Idempotency-Key header). */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

@InputType()
export class ServerFilterInput {
  @Field(() => ServerStatus, { nullable: true }) @IsOptional() @IsIn(SERVER_STATUSES) status?: (typeof SERVER_STATUSES)[number];
  @Field(() => ID, { nullable: true }) @IsOptional() @IsString() @MaxLength(128) poolId?: string;
  @Field({ nullable: true, description: 'Case-insensitive substring of the name.' }) @IsOptional() @IsString() @MaxLength(128) q?: string;
}

@ArgsType()
export class ServersArgs {
  @Field(() => ServerFilterInput, { nullable: true }) @IsOptional() @ValidateNested() @Type(() => ServerFilterInput) filter?: ServerFilterInput;
  @Field(() => Int, { defaultValue: DEFAULT_PAGE, description: `Page size, 1-${MAX_PAGE}.` }) @IsInt() @Min(1) @Max(MAX_PAGE) first: number = DEFAULT_PAGE;
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(512) after?: string;
}

@ArgsType()
export class ServerIdArgs {
  @Field(() => ID) @IsString() @MaxLength(128) id: string;
}

@ArgsType()
export class ServerActionArgs extends ServerIdArgs {
  @Field({ nullable: true, description: 'Same key and arguments from the same caller → the original operation.' })
  @IsOptional()
  @Matches(IDEMPOTENCY_KEY, { message: 'idempotencyKey must be 1-255 printable ASCII characters' })
  idempotencyKey?: string;
}

@ArgsType()
export class StopServerArgs extends ServerActionArgs {
  @Field({ nullable: true, description: 'Hard power-off. Stopping kills running training jobs: save checkpoints first.' }) @IsOptional() @IsBoolean() force?: boolean;
}

@ArgsType()
export class RestartServerArgs extends ServerActionArgs {
  @Field(() => RestartType, { nullable: true, defaultValue: 'SOFT' }) @IsOptional() @IsIn(['SOFT', 'HARD']) type?: 'SOFT' | 'HARD';
}

@ArgsType()
export class RenameServerArgs extends ServerIdArgs {
  @Field()
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, { message: 'name must start with a letter or digit and contain only letters, digits, ".", "_" and "-"' })
  name: string;

  @Field(() => Int, { nullable: true, description: 'Refuse with PRECONDITION_FAILED unless the server has this version (REST If-Match).' })
  @IsOptional()
  @IsInt()
  expectedVersion?: number;
}

@ArgsType()
export class RecentOperationsArgs {
  @Field(() => Int, { defaultValue: 5, description: 'Newest first, 1-20.' }) @IsInt() @Min(1) @Max(20) limit: number = 5;
}

@ArgsType()
export class ServerStatusChangedArgs {
  @Field(() => ID, { nullable: true, description: 'Only this pool (default: every pool you may see).' }) @IsOptional() @IsString() @MaxLength(128) poolId?: string;
}

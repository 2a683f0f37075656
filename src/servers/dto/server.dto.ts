import { IsBoolean, IsIn, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { PageQuery } from '../../common/dto';
import { SERVER_STATUSES, ServerStatus } from '../server.state-machine';

export class ListServersQuery extends PageQuery {
  @IsOptional()
  @IsIn(SERVER_STATUSES)
  status?: ServerStatus;

  @IsOptional()
  @IsString()
  @MaxLength(128)
  poolId?: string;

  @IsOptional()
  @IsString()
  @MaxLength(128)
  q?: string;
}

export class RenameServerDto {
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, { message: 'name must start with a letter or digit and contain only letters, digits, ".", "_" and "-"' })
  name: string;
}

export class StopServerDto {
  /** Hard power-off. Stopping kills running training jobs: save checkpoints first. */
  @IsOptional()
  @IsBoolean()
  force?: boolean;
}

export class RestartServerDto {
  @IsOptional()
  @IsIn(['SOFT', 'HARD'])
  type?: 'SOFT' | 'HARD';
}

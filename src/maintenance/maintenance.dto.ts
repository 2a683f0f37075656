import { Transform } from 'class-transformer';
import { IsDate, IsIn, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { PageQuery } from '../common/dto';
import { MAINTENANCE_STATUSES, MaintenanceStatus } from './maintenance.state-machine';

export class ReportFaultDto {
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  component: string;

  @IsIn(['MINOR', 'MAJOR', 'CRITICAL'])
  severity: 'MINOR' | 'MAJOR' | 'CRITICAL';

  @IsString()
  @MinLength(1)
  @MaxLength(1000)
  description: string;
}

export class ListMaintenanceEventsQuery extends PageQuery {
  @IsOptional() @IsString() @MaxLength(128) serverId?: string;
  @IsOptional() @IsString() @MaxLength(128) poolId?: string;
  @IsOptional() @IsIn(MAINTENANCE_STATUSES) status?: MaintenanceStatus;
}

export class DecisionDto {
  @IsString()
  @MinLength(1)
  @MaxLength(1000)
  note: string;
}

export class AuthorizeDto extends DecisionDto {
  /** The repair may start from this time (the customer's maintenance window). */
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? new Date(value) : value))
  @IsDate({ message: 'notBefore must be an ISO 8601 date-time' })
  notBefore?: Date;
}

export class UpgradeDto {
  @IsIn(['DRIVER', 'FIRMWARE'])
  component: 'DRIVER' | 'FIRMWARE';

  @IsString()
  @MinLength(1)
  @MaxLength(64)
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._+-]*$/, { message: 'version must start with a letter or digit and contain only letters, digits, ".", "_", "+" and "-"' })
  version: string;
}

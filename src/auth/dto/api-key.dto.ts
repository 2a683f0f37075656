import { ArrayMaxSize, ArrayNotEmpty, ArrayUnique, IsArray, IsIn, IsISO8601, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { Role, ROLES } from '../permissions';

export class CreateApiKeyDto {
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  @Matches(/^[\w .:@-]+$/, { message: 'name may contain letters, digits, space and _ . : @ -' })
  name: string;

  @IsIn(ROLES)
  role: Role;

  /** Omitted: every pool (or, for a pool-scoped admin, its own pools). Never empty: that would read as "all". */
  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(100)
  @ArrayUnique()
  @IsString({ each: true })
  @MaxLength(128, { each: true })
  poolIds?: string[];

  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true }, { message: 'expiresAt must be an ISO 8601 date-time' })
  expiresAt?: string;
}

import { IsBoolean, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';

/**
 * `confirmDataLoss` is optional for the validator so that leaving it out gets
 * the specific 400 DATA_LOSS_NOT_CONFIRMED (with the warning) from the service,
 * not a generic VALIDATION_FAILED.
 */
export class SwitchOsDto {
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  imageId: string;

  @IsOptional()
  @IsBoolean()
  confirmDataLoss?: boolean;
}

export class ResetOsDto {
  @IsOptional()
  @IsBoolean()
  confirmDataLoss?: boolean;
}

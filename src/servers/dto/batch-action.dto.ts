import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsBoolean, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';

export const BATCH_ACTIONS = ['start', 'stop', 'restart'] as const;
export type BatchAction = (typeof BATCH_ACTIONS)[number];
export const BATCH_MAX = 100;

export class BatchActionDto {
  @IsIn(BATCH_ACTIONS)
  action: BatchAction;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(BATCH_MAX)
  @ArrayUnique()
  @IsString({ each: true })
  @MaxLength(128, { each: true })
  serverIds: string[];

  /** stop only: hard power-off. */
  @IsOptional()
  @IsBoolean()
  force?: boolean;

  /** restart only. */
  @IsOptional()
  @IsIn(['SOFT', 'HARD'])
  type?: 'SOFT' | 'HARD';
}

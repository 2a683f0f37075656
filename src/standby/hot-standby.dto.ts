import { ArrayMaxSize, IsArray, IsBoolean, IsString, MaxLength } from 'class-validator';

export class HotStandbyDto {
  @IsBoolean()
  enabled: boolean;

  /** Fail over at once on a CRITICAL fault; false: an admin calls POST /v1/servers/{id}/failover. */
  @IsBoolean()
  autoFailover: boolean;

  @IsArray()
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  @MaxLength(128, { each: true })
  standbyServerIds: string[];
}

import { IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';

/** Letters, digits, spaces and . _ - ( ) +, starting and ending with a non-space, like the public catalogue's names. */
export const IMAGE_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9 ._()+-]*[A-Za-z0-9._()+-])?$/;
export const IMAGE_NAME_MESSAGE = 'name must start with a letter or digit, not end with a space, and contain only letters, digits, spaces and . _ - ( ) +';

export class CreateImageDto {
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  @Matches(IMAGE_NAME, { message: IMAGE_NAME_MESSAGE })
  name: string;

  @IsOptional()
  @IsString()
  @MaxLength(1024)
  description?: string;
}

export class UpdateImageDto {
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  @Matches(IMAGE_NAME, { message: IMAGE_NAME_MESSAGE })
  name?: string;

  @IsOptional()
  @IsString()
  @MaxLength(1024)
  description?: string;
}

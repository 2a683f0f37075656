import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiKeysController } from './api-keys.controller';
import { ApiKeysService } from './api-keys.service';
import { AuthGuard } from './auth.guard';
import { JwtVerifier } from './jwt.verifier';

@Global()
@Module({
  controllers: [ApiKeysController],
  providers: [ApiKeysService, JwtVerifier, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [ApiKeysService, JwtVerifier],
})
export class AuthModule {}

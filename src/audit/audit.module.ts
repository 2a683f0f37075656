import { Global, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { AuditController } from './audit.controller';
import { AuditService } from './audit.service';
import { AuditWriter } from './audit.writer';
import { RefusalInterceptor } from './refusal.interceptor';
import { RefusalRecorder } from './refusal-recorder';

@Global()
@Module({
  controllers: [AuditController],
  providers: [AuditWriter, AuditService, RefusalRecorder, { provide: APP_INTERCEPTOR, useClass: RefusalInterceptor }],
  exports: [AuditWriter, AuditService, RefusalRecorder],
})
export class AuditModule {}

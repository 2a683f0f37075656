import { Global, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { AuditCheckpointer } from './audit.checkpointer';
import { AuditController } from './audit.controller';
import { AuditService } from './audit.service';
import { AuditVerifier } from './audit.verifier';
import { AuditWriter } from './audit.writer';
import { RefusalInterceptor } from './refusal.interceptor';
import { RefusalRecorder } from './refusal-recorder';
import { ServerHistoryController } from './server-history.controller';

@Global()
@Module({
  controllers: [AuditController, ServerHistoryController],
  providers: [AuditWriter, AuditService, AuditVerifier, AuditCheckpointer, RefusalRecorder, { provide: APP_INTERCEPTOR, useClass: RefusalInterceptor }],
  exports: [AuditWriter, AuditService, AuditVerifier, AuditCheckpointer, RefusalRecorder],
})
export class AuditModule {}

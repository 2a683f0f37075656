import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import type { Response } from 'express';
import { RequirePermission } from '../auth/decorators';
import { PageQuery } from '../common/dto';
import { contextOf, ContextualRequest } from '../common/request-context';
import { AuditCheckpointer } from './audit.checkpointer';
import { EXPORT_CONTENT_TYPE, writeExport } from './audit.export';
import { AuditService } from './audit.service';
import { AuditVerifier } from './audit.verifier';
import { AuditExportQuery, AuditQuery, AuditSummaryQuery, AuditVerifyQuery } from './dto/audit.dto';

// Fixed sub-paths are declared before any parameterised route could be added,
// so `/v1/audit-events/export` and friends are never read as an event id.
@Controller('v1/audit-events')
export class AuditController {
  constructor(
    private readonly audit: AuditService,
    private readonly verifier: AuditVerifier,
    private readonly checkpoints: AuditCheckpointer,
  ) {}

  @Get()
  @RequirePermission('audit:read')
  list(@Req() req: ContextualRequest, @Query() q: AuditQuery) {
    return this.audit.list(contextOf(req).principal, q);
  }

  /** Streams the whole matching range. Nothing is sent before the first batch is read, so bad
   *  input or an unreachable database is still an ordinary error response. */
  @Get('export')
  @RequirePermission('audit:read')
  async export(@Req() req: ContextualRequest, @Query() q: AuditExportQuery, @Res() res: Response): Promise<void> {
    const { format, ...filter } = q;
    res.status(200);
    res.setHeader('Content-Type', EXPORT_CONTENT_TYPE[format]);
    res.setHeader('Content-Disposition', `attachment; filename="audit-events-${new Date().toISOString().replace(/[:.]/g, '-')}.${format}"`);
    res.setHeader('Cache-Control', 'no-store');
    try {
      await writeExport(res, format, this.audit.batches(contextOf(req).principal, filter));
      res.end();
    } catch (e) {
      if (!res.headersSent) {
        for (const h of ['Content-Type', 'Content-Disposition']) res.removeHeader(h);
        throw e; // nothing sent yet: the usual error body (e.g. 503)
      }
      // Mid-stream: cut the connection so the client sees a truncated download, not a short "complete" one.
      res.destroy();
    }
  }

  @Get('summary')
  @RequirePermission('audit:read')
  summary(@Req() req: ContextualRequest, @Query() q: AuditSummaryQuery) {
    return this.audit.summary(contextOf(req).principal, q);
  }

  @Get('verify')
  @RequirePermission('audit:read')
  verify(@Query() q: AuditVerifyQuery) {
    return this.verifier.verify({ from: q.from === undefined ? undefined : BigInt(q.from), to: q.to === undefined ? undefined : BigInt(q.to) });
  }

  @Get('checkpoints')
  @RequirePermission('audit:read')
  listCheckpoints(@Query() q: PageQuery) {
    return this.checkpoints.list(q);
  }
}

import { Injectable } from '@nestjs/common';
import { Actor, actorOf, canSeePool, Principal } from '../auth/principal';
import { PrismaService } from '../database/prisma.service';
import { AuditOutcome, AuditWriter } from './audit.writer';
import type { AuditedActionMeta } from './audited-action.decorator';

export interface RefusalContext {
  meta: AuditedActionMeta | undefined;
  resourceId: string | undefined;
  principal: Principal | undefined;
  /** Who was refused when there is no principal (a genuine token holding no role here). */
  actor?: Actor;
  requestId?: string;
  sourceIp?: string;
  userAgent?: string;
  attempted: string;
}

/**
 * Writes the audit row of a request refused before it reached its handler:
 * authentication (401), permission (403), or validation on a known resource.
 */
@Injectable()
export class RefusalRecorder {
  constructor(
    private readonly prisma: PrismaService,
    private readonly audit: AuditWriter,
  ) {}

  async record(raw: RefusalContext, outcome: AuditOutcome, code: string, message: string): Promise<void> {
    // Ids and messages come from the caller; PostgreSQL text cannot hold NUL, and the refusal must still be recorded.
    const ctx = { ...raw, resourceId: raw.resourceId?.replace(/\u0000/g, '\uFFFD') };
    message = message.replace(/\u0000/g, '\uFFFD');
    let resource: { type: string; id?: string; name?: string } = { type: ctx.meta?.resourceType ?? 'api' };
    let poolId: string | null = null;
    if (ctx.meta && ctx.resourceId && ctx.meta.resourceType === 'server') {
      const s = await this.prisma.server.findUnique({ where: { id: ctx.resourceId }, select: { id: true, name: true, poolId: true } });
      const visible = s && (!ctx.principal || canSeePool(ctx.principal, s.poolId));
      // Validation failures are recorded only against a resource that exists for the caller.
      if (!visible && outcome === 'REJECTED') return;
      if (visible && s) {
        resource = { type: 'server', id: s.id, name: s.name };
        poolId = s.poolId;
      } else {
        resource = { type: 'server', id: ctx.resourceId };
      }
    } else if (ctx.resourceId) {
      resource = { ...resource, id: ctx.resourceId };
    } else if (outcome === 'REJECTED') {
      return;
    }
    await this.audit.appendNow({
      type: outcome === 'DENIED' ? 'AUTH' : 'ACTION',
      action: ctx.meta?.action ?? ctx.attempted,
      outcome,
      actor: ctx.principal ? actorOf(ctx.principal) : ctx.actor ?? { type: 'ANONYMOUS', id: 'anonymous', name: 'unauthenticated caller' },
      resource,
      poolId,
      requestId: ctx.requestId,
      sourceIp: ctx.sourceIp,
      userAgent: ctx.userAgent,
      reason: `${code}: ${message}`,
      details: { attempted: ctx.attempted },
    });
  }
}

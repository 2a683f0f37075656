import { CanActivate, ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AUDITED_ACTION_KEY, AuditedActionMeta } from '../audit/audited-action.decorator';
import { RefusalRecorder } from '../audit/refusal-recorder';
import { DomainError } from '../common/errors';
import type { ContextualRequest } from '../common/request-context';
import { requestOf } from '../common/execution-request';
import { ApiKeysService } from './api-keys.service';
import { PERMISSION_KEY, PUBLIC_KEY } from './decorators';
import { hasPermission, Permission } from './permissions';
import type { Principal } from './principal';

/**
 * The one guard, registered globally: a route is protected unless marked
 * @Public, and a protected route without a declared permission is refused
 * (fail closed). Every 401 and 403 is written to the audit trail.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly logger = new Logger('AuthGuard');

  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeysService,
    private readonly refusals: RefusalRecorder,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const req = this.requestOf(context);
    const permission = this.reflector.getAllAndOverride<Permission | undefined>(PERMISSION_KEY, targets);
    const meta = this.reflector.getAllAndOverride<AuditedActionMeta | undefined>(AUDITED_ACTION_KEY, targets);
    const attempted = `${req.method} ${req.route?.path ?? req.path}`;

    // GraphQL checks every field: authenticate once per request, not per field.
    const principal = req.principal ?? (await this.authenticate(req));
    const refusal = (p?: Principal) => ({
      meta,
      resourceId: typeof req.params?.id === 'string' ? req.params.id : undefined,
      principal: p,
      requestId: req.requestId,
      sourceIp: req.ip,
      userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'].slice(0, 512) : undefined,
      attempted,
    });
    if (!principal) {
      const err = new DomainError('UNAUTHENTICATED', 'Missing, invalid, expired or revoked credentials');
      await this.refusals.record(refusal(), 'DENIED', err.code, err.message).catch((e) => this.logger.error(`audit of 401 failed: ${e.message}`));
      throw err;
    }
    req.principal = principal;
    if (!permission || !hasPermission(principal.role, permission)) {
      const err = new DomainError('FORBIDDEN', permission ? `Role ${principal.role} lacks permission ${permission}` : 'Route declares no permission');
      await this.refusals.record(refusal(principal), 'DENIED', err.code, err.message).catch((e) => this.logger.error(`audit of 403 failed: ${e.message}`));
      throw err;
    }
    return true;
  }

  /** REST and GraphQL (HTTP and WebSocket) alike. */
  private requestOf(context: ExecutionContext): ContextualRequest {
    return requestOf(context);
  }

  private async authenticate(req: ContextualRequest): Promise<Principal | null> {
    const header = req.headers.authorization;
    if (typeof header !== 'string') return null;
    const m = /^Bearer\s+(\S{1,4096})$/i.exec(header.trim());
    if (!m) return null;
    return this.apiKeys.authenticate(m[1]);
  }
}

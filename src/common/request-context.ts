import type { Request } from 'express';
import type { Principal } from '../auth/principal';

/** What every audited request carries: who, from where, with which id. */
export interface RequestContext {
  requestId: string;
  principal: Principal;
  sourceIp?: string;
  userAgent?: string;
}

export interface ContextualRequest extends Request {
  requestId?: string;
  principal?: Principal;
}

export function contextOf(req: ContextualRequest): RequestContext {
  if (!req.principal) throw new Error('request has no principal (route not behind the auth guard?)');
  return {
    requestId: req.requestId ?? 'unknown',
    principal: req.principal,
    sourceIp: req.ip,
    userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'].slice(0, 512) : undefined,
  };
}

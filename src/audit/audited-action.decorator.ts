import { SetMetadata } from '@nestjs/common';

export const AUDITED_ACTION_KEY = 'audit:action';

/**
 * Names the audited action of a handler acting on one resource (`:id`), so a
 * refusal before the handler runs (permission, validation) is still recorded
 * against that action and resource.
 */
export const AuditedAction = (action: string, resourceType = 'server') => SetMetadata(AUDITED_ACTION_KEY, { action, resourceType });

export interface AuditedActionMeta {
  action: string;
  resourceType: string;
}

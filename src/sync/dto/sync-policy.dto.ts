import { Transform } from 'class-transformer';
import { IsIn } from 'class-validator';
import { SYNC_POLICIES, SyncPolicy } from '../sync.policy';

export class SetSyncPolicyDto {
  /** `observe` | `adopt` | `enforce` (any case). */
  @Transform(({ value }) => (typeof value === 'string' ? value.toUpperCase() : value))
  @IsIn(SYNC_POLICIES, { message: `policy must be one of ${SYNC_POLICIES.join(', ')}` })
  policy: SyncPolicy;
}

import { SetMetadata } from '@nestjs/common';
import type { Permission } from './permissions';

export const PERMISSION_KEY = 'auth:permission';
export const PUBLIC_KEY = 'auth:public';

/** Every handler declares what it needs; the global guard enforces it. */
export const RequirePermission = (permission: Permission) => SetMetadata(PERMISSION_KEY, permission);
/** Health and docs routes only. */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

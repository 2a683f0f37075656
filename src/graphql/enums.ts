import { registerEnumType } from '@nestjs/graphql';
import {
  Accelerator,
  Architecture,
  FaultSeverity,
  ImageStatus,
  ImageType,
  MaintenanceStatus,
  OperationStatus,
  OperationType,
  ServerRole,
  ServerStatus,
  ServerTask,
  SyncPolicy,
} from '../generated/prisma/enums';

// The schema's enums are the database's: one list of values, no mapping layer.
registerEnumType(ServerStatus, { name: 'ServerStatus' });
registerEnumType(ServerRole, { name: 'ServerRole' });
registerEnumType(ServerTask, { name: 'ServerTask', description: 'Long-running work in progress on a server.' });
registerEnumType(Accelerator, { name: 'Accelerator' });
registerEnumType(Architecture, { name: 'Architecture' });
registerEnumType(SyncPolicy, { name: 'SyncPolicy' });
registerEnumType(OperationType, { name: 'OperationType' });
registerEnumType(OperationStatus, { name: 'OperationStatus' });
registerEnumType(ImageType, { name: 'ImageType' });
registerEnumType(ImageStatus, { name: 'ImageStatus' });
registerEnumType(FaultSeverity, { name: 'FaultSeverity' });
registerEnumType(MaintenanceStatus, { name: 'MaintenanceStatus' });

export const RestartType = { SOFT: 'SOFT', HARD: 'HARD' } as const;
registerEnumType(RestartType, { name: 'RestartType', description: 'SOFT: graceful reboot; HARD: power cycle.' });

export { Accelerator, Architecture, FaultSeverity, ImageStatus, ImageType, MaintenanceStatus, OperationStatus, OperationType, ServerRole, ServerStatus, ServerTask, SyncPolicy };

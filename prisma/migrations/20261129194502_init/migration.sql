-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "ServerStatus" AS ENUM ('RUNNING', 'STOPPED', 'STARTING', 'STOPPING', 'ERROR', 'UPGRADING');

-- CreateEnum
CREATE TYPE "ServerRole" AS ENUM ('ACTIVE', 'STANDBY');

-- CreateEnum
CREATE TYPE "ServerTask" AS ENUM ('STARTING', 'STOPPING', 'RESTARTING', 'SWITCHING_OS', 'RESETTING_OS', 'CREATING_IMAGE', 'UPGRADING', 'FAILING_OVER', 'REPAIRING');

-- CreateEnum
CREATE TYPE "Accelerator" AS ENUM ('NPU', 'GPU');

-- CreateEnum
CREATE TYPE "Architecture" AS ENUM ('X86_64', 'AARCH64');

-- CreateEnum
CREATE TYPE "SyncPolicy" AS ENUM ('OBSERVE', 'ADOPT', 'ENFORCE');

-- CreateEnum
CREATE TYPE "OperationType" AS ENUM ('START', 'STOP', 'RESTART', 'SYNC', 'SWITCH_OS', 'RESET_OS', 'CREATE_IMAGE', 'UPGRADE', 'FAILOVER', 'REPAIR');

-- CreateEnum
CREATE TYPE "OperationStatus" AS ENUM ('PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED');

-- CreateEnum
CREATE TYPE "ImageType" AS ENUM ('PUBLIC', 'CUSTOM');

-- CreateEnum
CREATE TYPE "ImageStatus" AS ENUM ('CREATING', 'AVAILABLE', 'FAILED');

-- CreateEnum
CREATE TYPE "MaintenanceStatus" AS ENUM ('PENDING_AUTHORIZATION', 'AUTHORIZED', 'IN_REPAIR', 'COMPLETED', 'REJECTED', 'FAILED', 'CANCELED');

-- CreateEnum
CREATE TYPE "FaultSeverity" AS ENUM ('MINOR', 'MAJOR', 'CRITICAL');

-- CreateEnum
CREATE TYPE "Role" AS ENUM ('viewer', 'operator', 'admin', 'auditor');

-- CreateTable
CREATE TABLE "pools" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "syncPolicy" "SyncPolicy" NOT NULL DEFAULT 'ADOPT',
    "hotStandbyEnabled" BOOLEAN NOT NULL DEFAULT false,
    "autoFailover" BOOLEAN NOT NULL DEFAULT false,
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "pools_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "images" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "type" "ImageType" NOT NULL,
    "status" "ImageStatus" NOT NULL DEFAULT 'AVAILABLE',
    "osFamily" TEXT NOT NULL,
    "osVersion" TEXT NOT NULL,
    "architecture" "Architecture" NOT NULL,
    "accelerator" "Accelerator",
    "sizeGb" INTEGER NOT NULL DEFAULT 40,
    "failureReason" TEXT,
    "poolId" TEXT,
    "sourceServerId" TEXT,
    "createdById" TEXT,
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "images_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "servers" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "poolId" TEXT NOT NULL,
    "role" "ServerRole" NOT NULL DEFAULT 'ACTIVE',
    "status" "ServerStatus" NOT NULL,
    "statusReason" TEXT,
    "task" "ServerTask",
    "acceleratorType" "Accelerator" NOT NULL,
    "acceleratorModel" TEXT NOT NULL,
    "acceleratorCount" INTEGER NOT NULL,
    "vcpus" INTEGER NOT NULL,
    "memoryGib" INTEGER NOT NULL,
    "architecture" "Architecture" NOT NULL,
    "flavor" TEXT NOT NULL,
    "vpcId" TEXT NOT NULL,
    "subnetId" TEXT NOT NULL,
    "ipAddress" TEXT NOT NULL,
    "systemDiskType" TEXT NOT NULL,
    "systemDiskSizeGb" INTEGER NOT NULL,
    "dataDisks" JSONB NOT NULL DEFAULT '[]',
    "imageId" TEXT NOT NULL,
    "driverVersion" TEXT NOT NULL,
    "firmwareVersion" TEXT NOT NULL,
    "runningSince" TIMESTAMPTZ(3),
    "lastSyncedAt" TIMESTAMPTZ(3),
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "servers_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "operations" (
    "id" TEXT NOT NULL,
    "type" "OperationType" NOT NULL,
    "status" "OperationStatus" NOT NULL DEFAULT 'PENDING',
    "serverId" TEXT NOT NULL,
    "params" JSONB NOT NULL DEFAULT '{}',
    "requestedById" TEXT NOT NULL,
    "requestedByType" TEXT NOT NULL,
    "requestedByName" TEXT NOT NULL,
    "requestId" TEXT,
    "step" TEXT,
    "errorCode" TEXT,
    "errorMessage" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "leaseOwner" TEXT,
    "leaseExpiresAt" TIMESTAMPTZ(3),
    "notBefore" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMPTZ(3),
    "finishedAt" TIMESTAMPTZ(3),
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "operations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "idempotency_records" (
    "principalId" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "requestHash" TEXT NOT NULL,
    "operationId" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "idempotency_records_pkey" PRIMARY KEY ("principalId","key")
);

-- CreateTable
CREATE TABLE "api_keys" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "secretHash" TEXT NOT NULL,
    "role" "Role" NOT NULL,
    "poolIds" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "expiresAt" TIMESTAMPTZ(3),
    "revokedAt" TIMESTAMPTZ(3),
    "createdById" TEXT,
    "lastUsedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_events" (
    "id" TEXT NOT NULL,
    "sequence" BIGINT NOT NULL,
    "occurredAt" TIMESTAMPTZ(3) NOT NULL,
    "type" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "actorType" TEXT NOT NULL,
    "actorId" TEXT NOT NULL,
    "actorName" TEXT NOT NULL,
    "resourceType" TEXT NOT NULL,
    "resourceId" TEXT,
    "resourceName" TEXT,
    "poolId" TEXT,
    "operationId" TEXT,
    "requestId" TEXT,
    "sourceIp" TEXT,
    "userAgent" TEXT,
    "fromStatus" TEXT,
    "toStatus" TEXT,
    "reason" TEXT,
    "details" JSONB,
    "prevHash" TEXT NOT NULL,
    "hash" TEXT NOT NULL,

    CONSTRAINT "audit_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sync_states" (
    "serverId" TEXT NOT NULL,
    "nextSyncAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "claimedBy" TEXT,
    "consecutiveFailures" INTEGER NOT NULL DEFAULT 0,
    "pendingDrift" TEXT,
    "pendingDriftCount" INTEGER NOT NULL DEFAULT 0,
    "lastObservedPower" TEXT,
    "lastCheckedAt" TIMESTAMPTZ(3),

    CONSTRAINT "sync_states_pkey" PRIMARY KEY ("serverId")
);

-- CreateTable
CREATE TABLE "faults" (
    "id" TEXT NOT NULL,
    "serverId" TEXT NOT NULL,
    "component" TEXT NOT NULL,
    "severity" "FaultSeverity" NOT NULL,
    "description" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "externalId" TEXT,
    "maintenanceEventId" TEXT,
    "detectedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "resolvedAt" TIMESTAMPTZ(3),

    CONSTRAINT "faults_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "maintenance_events" (
    "id" TEXT NOT NULL,
    "serverId" TEXT NOT NULL,
    "poolId" TEXT NOT NULL,
    "status" "MaintenanceStatus" NOT NULL DEFAULT 'PENDING_AUTHORIZATION',
    "type" TEXT NOT NULL DEFAULT 'HARDWARE_REPAIR',
    "severity" "FaultSeverity" NOT NULL,
    "summary" TEXT NOT NULL,
    "previousRole" "ServerRole" NOT NULL,
    "replacementServerId" TEXT,
    "standbyNote" TEXT,
    "notBefore" TIMESTAMPTZ(3),
    "authorizedById" TEXT,
    "authorizedAt" TIMESTAMPTZ(3),
    "decisionNote" TEXT,
    "repairStartedAt" TIMESTAMPTZ(3),
    "completedAt" TIMESTAMPTZ(3),
    "completionNote" TEXT,
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "maintenance_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_checkpoints" (
    "id" TEXT NOT NULL,
    "sequence" BIGINT NOT NULL,
    "hash" TEXT NOT NULL,
    "keyId" TEXT NOT NULL,
    "signature" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_checkpoints_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "pools_name_key" ON "pools"("name");

-- CreateIndex
CREATE INDEX "images_status_idx" ON "images"("status");

-- CreateIndex
CREATE INDEX "servers_poolId_id_idx" ON "servers"("poolId", "id");

-- CreateIndex
CREATE INDEX "servers_status_id_idx" ON "servers"("status", "id");

-- CreateIndex
CREATE INDEX "operations_status_notBefore_idx" ON "operations"("status", "notBefore");

-- CreateIndex
CREATE INDEX "operations_serverId_createdAt_idx" ON "operations"("serverId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "api_keys_secretHash_key" ON "api_keys"("secretHash");

-- CreateIndex
CREATE UNIQUE INDEX "audit_events_sequence_key" ON "audit_events"("sequence");

-- CreateIndex
CREATE INDEX "audit_events_resourceId_sequence_idx" ON "audit_events"("resourceId", "sequence");

-- CreateIndex
CREATE INDEX "audit_events_actorId_occurredAt_idx" ON "audit_events"("actorId", "occurredAt");

-- CreateIndex
CREATE INDEX "audit_events_occurredAt_idx" ON "audit_events"("occurredAt");

-- CreateIndex
CREATE INDEX "audit_events_operationId_idx" ON "audit_events"("operationId");

-- CreateIndex
CREATE INDEX "audit_events_action_sequence_idx" ON "audit_events"("action", "sequence");

-- CreateIndex
CREATE INDEX "sync_states_nextSyncAt_idx" ON "sync_states"("nextSyncAt");

-- CreateIndex
CREATE INDEX "faults_serverId_resolvedAt_idx" ON "faults"("serverId", "resolvedAt");

-- CreateIndex
CREATE UNIQUE INDEX "faults_serverId_externalId_key" ON "faults"("serverId", "externalId");

-- CreateIndex
CREATE INDEX "maintenance_events_serverId_status_idx" ON "maintenance_events"("serverId", "status");

-- CreateIndex
CREATE INDEX "maintenance_events_poolId_status_idx" ON "maintenance_events"("poolId", "status");

-- CreateIndex
CREATE INDEX "audit_checkpoints_sequence_idx" ON "audit_checkpoints"("sequence");

-- AddForeignKey
ALTER TABLE "servers" ADD CONSTRAINT "servers_poolId_fkey" FOREIGN KEY ("poolId") REFERENCES "pools"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "servers" ADD CONSTRAINT "servers_imageId_fkey" FOREIGN KEY ("imageId") REFERENCES "images"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "operations" ADD CONSTRAINT "operations_serverId_fkey" FOREIGN KEY ("serverId") REFERENCES "servers"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sync_states" ADD CONSTRAINT "sync_states_serverId_fkey" FOREIGN KEY ("serverId") REFERENCES "servers"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "faults" ADD CONSTRAINT "faults_serverId_fkey" FOREIGN KEY ("serverId") REFERENCES "servers"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "faults" ADD CONSTRAINT "faults_maintenanceEventId_fkey" FOREIGN KEY ("maintenanceEventId") REFERENCES "maintenance_events"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "maintenance_events" ADD CONSTRAINT "maintenance_events_serverId_fkey" FOREIGN KEY ("serverId") REFERENCES "servers"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- The audit trail is append-only in the database itself, whatever the
-- application does: UPDATE, DELETE and TRUNCATE are refused.
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_events_no_update_delete BEFORE UPDATE OR DELETE ON "audit_events"
  FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON "audit_events"
  FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();

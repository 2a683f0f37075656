-- DropIndex
DROP INDEX "audit_checkpoints_sequence_idx";

-- CreateIndex
CREATE INDEX "audit_events_poolId_sequence_idx" ON "audit_events"("poolId", "sequence");

-- CreateIndex
CREATE INDEX "audit_events_requestId_idx" ON "audit_events"("requestId");

-- CreateIndex
CREATE UNIQUE INDEX "audit_checkpoints_sequence_keyId_key" ON "audit_checkpoints"("sequence", "keyId");

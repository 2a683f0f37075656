-- At most one open maintenance event per server: concurrent faults on one
-- server attach to the same event instead of opening a second one.
CREATE UNIQUE INDEX "maintenance_events_one_open_per_server"
  ON "maintenance_events" ("serverId")
  WHERE "status" IN ('PENDING_AUTHORIZATION', 'AUTHORIZED', 'IN_REPAIR');

-- The audit chain lock and the read of the chain head in ONE round trip: the
-- lock is held until commit by every appender, so each round trip inside it
-- caps the write rate. A VOLATILE function takes a fresh snapshot for each
-- statement under READ COMMITTED, so the head is read AFTER the lock is
-- granted (a single SELECT that locked and read would use a snapshot from
-- before the wait, and fork the chain).
CREATE OR REPLACE FUNCTION audit_chain_head() RETURNS TABLE (head_sequence bigint, head_hash text, head_occurred_at timestamptz)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(72707371);
  RETURN QUERY SELECT a.sequence, a.hash, a."occurredAt" FROM audit_events a ORDER BY a.sequence DESC LIMIT 1;
END
$$;

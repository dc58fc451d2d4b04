-- outbox-sql V5: the heartbeat table joins the publication.
-- A replication slot confirms only positions its client has been sent. On a database whose outbox
-- is idle while other databases of the cluster write, pgoutput sends nothing (other databases are
-- never decoded, and from PostgreSQL 15 on a transaction with no published change is skipped),
-- so the slot's restart_lsn stands still and PostgreSQL keeps all WAL written since. The relay's
-- heartbeat (Debezium heartbeat.action.query, every heartbeat.interval.ms) therefore writes a
-- change this publication carries: the publication is insert-only, so the heartbeat deletes the
-- single row and inserts it again in one statement. The relay confirms that transaction's position
-- and drops the row itself: it never reaches Kafka.
-- The relay's role needs INSERT and DELETE on outbox.heartbeat (besides SELECT on outbox.event).
-- Idempotent (guarded DO block). Must be run by the owner of the publication and the table.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_publication_tables
                   WHERE pubname = 'outbox_publication' AND schemaname = 'outbox' AND tablename = 'heartbeat') THEN
        ALTER PUBLICATION outbox_publication ADD TABLE outbox.heartbeat;
    END IF;
END
$$;

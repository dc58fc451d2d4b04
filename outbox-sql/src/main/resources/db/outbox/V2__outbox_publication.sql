-- outbox-sql V2: the publication the relay decodes with pgoutput.
-- It covers the outbox table only, and only INSERTs: housekeeping DELETEs of relayed rows
-- never reach the relay, and no other table's changes are decoded or sent over the wire.
-- CREATE PUBLICATION has no IF NOT EXISTS, hence the DO block (idempotent).

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_publication WHERE pubname = 'outbox_publication') THEN
        CREATE PUBLICATION outbox_publication FOR TABLE outbox.event WITH (publish = 'insert');
    END IF;
END
$$;

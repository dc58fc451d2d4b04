-- outbox-sql V3: the heartbeat table.
-- On a database whose outbox is idle while other databases of the same cluster are busy, the
-- replication slot would hold back WAL. The relay can update this single row periodically
-- (Debezium heartbeat.action.query) so that it has a fresh position to confirm.

CREATE TABLE IF NOT EXISTS outbox.heartbeat (
    id       smallint    PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    beat_at  timestamptz NOT NULL DEFAULT now()
);

INSERT INTO outbox.heartbeat (id) VALUES (1) ON CONFLICT (id) DO NOTHING;

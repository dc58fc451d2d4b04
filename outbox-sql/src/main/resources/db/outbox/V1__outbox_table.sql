-- outbox-sql V1: the outbox table.
-- Plain SQL, safe to run by hand (psql -v ON_ERROR_STOP=1 -f ...) and safe to run twice.
-- The application inserts one row per business event, in the same transaction as the
-- business change. The relay reads inserts from the WAL; it never updates or deletes rows.

CREATE SCHEMA IF NOT EXISTS outbox;

CREATE TABLE IF NOT EXISTS outbox.event (
    event_id        uuid        PRIMARY KEY,              -- sent as the eventId header; consumers dedupe on it
    aggregate_type  text        NOT NULL,                 -- routes the event to a topic (see relay topic.pattern)
    aggregate_id    text        NOT NULL,                 -- the Kafka record key: one aggregate stays in one partition, in order
    event_type      text        NOT NULL,                 -- sent as the eventType header
    payload         jsonb       NOT NULL,                 -- the Kafka record value, as PostgreSQL renders the jsonb
    occurred_at     timestamptz NOT NULL DEFAULT now(),   -- sent as the occurredAt header (ISO-8601)
    trace_id        text,                                 -- optional, sent as the traceId header when set
    correlation_id  text                                  -- optional, sent as the correlationId header when set
);

-- Rows are only needed until relayed; this index lets a housekeeping job delete old rows cheaply
-- (DELETE is not published, see V2).
CREATE INDEX IF NOT EXISTS event_occurred_at_idx ON outbox.event (occurred_at);

-- Ids of the events this consumer has applied, written in the same transaction as the effects.
-- A redelivered event finds its id here and changes nothing. One table per consumer schema:
-- every consumer applies each event once for itself.
CREATE TABLE ${flyway:defaultSchema}.processed_event (
    event_id     uuid        PRIMARY KEY,
    processed_at timestamptz NOT NULL DEFAULT now()
);

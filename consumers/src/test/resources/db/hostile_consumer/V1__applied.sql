-- What HostileEventsIntegrationTests' handler writes: one row per application, with the hostile parts
-- of the event where PostgreSQL can refuse them (text cannot hold NUL, jsonb cannot hold \u0000).
-- No key on event_id, so that an event applied twice shows as two rows.
CREATE TABLE ${flyway:defaultSchema}.applied (
    id             bigserial PRIMARY KEY,
    event_id       uuid      NOT NULL,
    event_type     text      NOT NULL,
    aggregate_id   text,
    aggregate_type text,
    payload        jsonb     NOT NULL
);

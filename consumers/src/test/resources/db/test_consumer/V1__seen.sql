-- What the runtime tests' handler writes: one row per application, no key, so that an event
-- applied twice would show as two rows.
CREATE TABLE ${flyway:defaultSchema}.seen (
    id       bigserial PRIMARY KEY,
    event_id uuid      NOT NULL,
    seq      integer   NOT NULL
);

-- outbox-sql V4: the capture function, for legacy tables whose application cannot be changed.
-- Plain SQL, safe to run by hand and safe to run twice (CREATE OR REPLACE).
-- A row trigger on a legacy table (`relay attach --capture-table schema.table` creates it, named
-- outbox_capture) calls this function, which writes one outbox row per changed row in the same
-- transaction as the change: a rolled-back change leaves no event. The event contract is in
-- docs/events.md ("Captured tables").
--
-- SECURITY DEFINER: the function runs with the rights of its owner (whoever applied this file),
-- so the legacy application's role needs no privilege on the outbox at all. The search_path is
-- fixed so that no object of the caller's can stand in for a built-in. EXECUTE is revoked from
-- PUBLIC: only the owner (or a superuser) can attach the function to a table; a trigger, once
-- created, fires for every role that may write the table.
--
-- Event: aggregate_type = the table's name, aggregate_id = the primary key value (composite keys:
-- the values in key-column order joined with '/', each with '\' and '/' escaped by a '\'),
-- event_type = INSERT, UPDATE or DELETE, payload = the new row as JSON (the old row for DELETE).

CREATE OR REPLACE FUNCTION outbox.capture_change() RETURNS trigger
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    row_json jsonb;
    key_values text[];
    key text;
BEGIN
    IF TG_OP = 'DELETE' THEN
        row_json := to_jsonb(OLD);
    ELSE
        row_json := to_jsonb(NEW);
    END IF;

    SELECT array_agg(row_json ->> a.attname ORDER BY k.ord)
      INTO key_values
      FROM pg_index i
     CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
      JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
     WHERE i.indrelid = TG_RELID AND i.indisprimary;

    IF key_values IS NULL THEN
        RAISE EXCEPTION 'outbox.capture_change: table %.% has no primary key', TG_TABLE_SCHEMA, TG_TABLE_NAME
            USING HINT = 'add a primary key, or drop the trigger outbox_capture from the table';
    ELSIF cardinality(key_values) = 1 THEN
        key := key_values[1];
    ELSE
        SELECT string_agg(replace(replace(v, E'\\', E'\\\\'), '/', E'\\/'), '/' ORDER BY n)
          INTO key
          FROM unnest(key_values) WITH ORDINALITY AS u(v, n);
    END IF;

    INSERT INTO outbox.event (event_id, aggregate_type, aggregate_id, event_type, payload)
    VALUES (gen_random_uuid(), TG_TABLE_NAME, key, TG_OP, row_json);
    RETURN NULL;
END
$$;

REVOKE ALL ON FUNCTION outbox.capture_change() FROM PUBLIC;

-- outbox-sql V6: outbox.emit(), an outbox event written as a logical decoding message instead of a row.
-- Plain SQL, safe to run by hand and safe to run twice (CREATE OR REPLACE).
-- The application calls it in the same transaction as its business change, instead of inserting into
-- outbox.event:
--     SELECT outbox.emit(gen_random_uuid(), 'Order', '42', 'OrderPlaced', '{"total": "25.00"}');
-- The event goes into the WAL only (pg_logical_emit_message, prefix 'outbox'): no table, so no bloat and
-- no housekeeping. It is TRANSACTIONAL: decoded only if the transaction commits, at its commit position,
-- so a rolled-back transaction emits nothing and one aggregate's events keep their commit order, exactly
-- as rows of outbox.event do. A relay relays these only with outbox.messages=true.
--
-- Content (the relay's io.outboxrelay.relay.routing.OutboxMessage decodes it): one line of JSON with the
-- outbox columns but the payload, a newline, then the payload as PostgreSQL renders the jsonb (the same
-- text the table path sends). Neither part can contain a raw newline: JSON text escapes it.
--     {"event_id" : "...", "aggregate_type" : "Order", "aggregate_id" : "42", "event_type" : "OrderPlaced",
--      "occurred_at" : "2026-11-27T10:15:30.123456Z", "trace_id" : null, "correlation_id" : null}\n{"total": "25.00"}
-- occurred_at is now() (the transaction's start, as the table's default), in UTC and in the form Debezium
-- gives the table's timestamptz column (ISO-8601 with exactly six digits of fraction and Z).
--
-- NULL where the table has NOT NULL raises, as the table's constraint would. Unlike the table, nothing
-- checks that event_id is unique.
--
-- Rights: like INSERT on outbox.event, EXECUTE is revoked from PUBLIC; grant it to the application's role
-- (GRANT EXECUTE ON FUNCTION outbox.emit(uuid, text, text, text, jsonb, text, text) TO app). SECURITY DEFINER
-- with a fixed search_path, so that a DBA may also revoke EXECUTE on pg_logical_emit_message from PUBLIC
-- (any role may call it by default, and could write an 'outbox' message by hand) and still let this function
-- emit. Must be applied by a role that may call pg_logical_emit_message (by default: any).

CREATE OR REPLACE FUNCTION outbox.emit(event_id uuid, aggregate_type text, aggregate_id text, event_type text,
                                       payload jsonb, trace_id text DEFAULT NULL, correlation_id text DEFAULT NULL)
    RETURNS void
    LANGUAGE plpgsql
    VOLATILE
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF event_id IS NULL THEN
        RAISE EXCEPTION 'outbox.emit: event_id must not be null' USING ERRCODE = 'not_null_violation';
    ELSIF aggregate_type IS NULL THEN
        RAISE EXCEPTION 'outbox.emit: aggregate_type must not be null' USING ERRCODE = 'not_null_violation';
    ELSIF aggregate_id IS NULL THEN
        RAISE EXCEPTION 'outbox.emit: aggregate_id must not be null' USING ERRCODE = 'not_null_violation';
    ELSIF event_type IS NULL THEN
        RAISE EXCEPTION 'outbox.emit: event_type must not be null' USING ERRCODE = 'not_null_violation';
    ELSIF payload IS NULL THEN
        RAISE EXCEPTION 'outbox.emit: payload must not be null' USING ERRCODE = 'not_null_violation';
    END IF;
    PERFORM pg_logical_emit_message(true, 'outbox',
        json_build_object('event_id', event_id, 'aggregate_type', aggregate_type, 'aggregate_id', aggregate_id,
                          'event_type', event_type,
                          'occurred_at', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                          'trace_id', trace_id, 'correlation_id', correlation_id)::text
        || E'\n' || payload::text);
END
$$;

REVOKE ALL ON FUNCTION outbox.emit(uuid, text, text, text, jsonb, text, text) FROM PUBLIC;

-- The compensation keeps only the runtime's processed_event (db/consumer_runtime) in schema
-- ${flyway:defaultSchema} of the legacy database: its effect (the cancelled order and its
-- OrderCancelled outbox row) lives in the legacy tables, written by OrderService.
COMMENT ON SCHEMA ${flyway:defaultSchema} IS
    'Payment compensation consumer: cancels orders whose payment failed or was rejected (consumers module)';

-- The payment processor's tables, in schema ${flyway:defaultSchema} (payment) of the payments
-- database. Written only by PaymentProcessor, in the same transaction as the processed event id and
-- the payment events in outbox.event (OutboxSchema, same database).

-- Each customer's credit: the limit comes from the legacy customers (PaymentProcessor.importCredit),
-- reserved is what the customer's charged orders hold. The check is the last line of defence: the
-- reserve UPDATE already refuses to go past the limit.
CREATE TABLE ${flyway:defaultSchema}.credit (
    customer_id   uuid          PRIMARY KEY,
    credit_limit  numeric(12,2) NOT NULL CHECK (credit_limit >= 0),
    reserved      numeric(12,2) NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    CONSTRAINT credit_reserved_within_limit CHECK (reserved <= credit_limit)
);

-- Exactly one outcome per order: the primary key is the order id, and a row is never updated.
CREATE TABLE ${flyway:defaultSchema}.payment (
    order_id         uuid          PRIMARY KEY,
    customer_id      uuid          NOT NULL,
    amount           numeric(12,2) NOT NULL CHECK (amount >= 0),
    status           text          NOT NULL CHECK (status IN ('COMPLETED', 'FAILED', 'REJECTED')),
    -- sent to the gateway with the charge; derived from the order id, so a retried charge is the same charge
    idempotency_key  text          NOT NULL UNIQUE,
    -- gateway calls that led to this outcome: 0 when the credit check rejected the order
    attempt_count    integer       NOT NULL CHECK (attempt_count >= 0),
    reason           text,
    created_at       timestamptz   NOT NULL,
    -- a failed or rejected payment always says why, a completed one never does
    CONSTRAINT payment_reason_matches_status CHECK ((status = 'COMPLETED') = (reason IS NULL))
);

CREATE INDEX payment_customer_id_idx ON ${flyway:defaultSchema}.payment (customer_id);

-- Payments as payment systems do them (issue 14): the consumer commits a PENDING payment with its
-- credit reservation, PaymentCharger calls the gateway outside any transaction and records the outcome;
-- a completed payment is later settled (the customer paid: the reservation is released) or, when the
-- order is cancelled, refunded. So a payment row is now updated, but only forward:
-- PENDING -> COMPLETED | FAILED, and a COMPLETED one gains settled_at / refunded_at once each.

ALTER TABLE ${flyway:defaultSchema}.payment DROP CONSTRAINT payment_status_check;
ALTER TABLE ${flyway:defaultSchema}.payment ADD CONSTRAINT payment_status_check
    CHECK (status IN ('PENDING', 'COMPLETED', 'FAILED', 'REJECTED'));

-- a failed or rejected payment always says why; a pending or completed one never does
ALTER TABLE ${flyway:defaultSchema}.payment DROP CONSTRAINT payment_reason_matches_status;
ALTER TABLE ${flyway:defaultSchema}.payment ADD CONSTRAINT payment_reason_matches_status
    CHECK ((status IN ('COMPLETED', 'PENDING')) = (reason IS NULL));

ALTER TABLE ${flyway:defaultSchema}.payment
    -- the order's currency, for the events written after the consumer's transaction
    ADD COLUMN currency             text,
    -- the order's placedAt: a payment settles this long after it, in the order's time (see PaymentProcessor)
    ADD COLUMN placed_at            timestamptz,
    -- when the gateway's answer was recorded; null while PENDING and for REJECTED
    ADD COLUMN resolved_at          timestamptz,
    -- PaymentCharger leaves a pending payment alone until then: its lease while it asks the gateway,
    -- or the backoff after the gateway could not be reached
    ADD COLUMN next_attempt_at      timestamptz,
    -- the customer paid what the payment reserved: the reservation is released
    ADD COLUMN settled_at           timestamptz,
    -- OrderCancelled arrived for this payment: refund once charged
    ADD COLUMN refund_requested_at  timestamptz,
    ADD COLUMN refunded_at          timestamptz;

-- rows written by V1 were resolved when created; their currency is in their event, if the outbox still has it
UPDATE ${flyway:defaultSchema}.payment SET resolved_at = created_at WHERE status IN ('COMPLETED', 'FAILED');
UPDATE ${flyway:defaultSchema}.payment p SET currency = e.payload ->> 'currency'
    FROM outbox.event e WHERE e.aggregate_type = 'Payment' AND e.aggregate_id = p.order_id::text;

ALTER TABLE ${flyway:defaultSchema}.payment
    ADD CONSTRAINT payment_pending_has_order_details
        CHECK (status <> 'PENDING' OR (currency IS NOT NULL AND placed_at IS NOT NULL)),
    ADD CONSTRAINT payment_resolved_iff_charged
        CHECK ((resolved_at IS NOT NULL) = (status IN ('COMPLETED', 'FAILED'))),
    ADD CONSTRAINT payment_settled_only_when_completed
        CHECK (settled_at IS NULL OR status = 'COMPLETED'),
    ADD CONSTRAINT payment_refunded_only_when_completed_and_requested
        CHECK (refunded_at IS NULL OR (status = 'COMPLETED' AND refund_requested_at IS NOT NULL));

-- the charger's three queues, each read oldest first
CREATE INDEX payment_pending_idx ON ${flyway:defaultSchema}.payment (created_at) WHERE status = 'PENDING';
CREATE INDEX payment_unsettled_idx ON ${flyway:defaultSchema}.payment (resolved_at)
    WHERE status = 'COMPLETED' AND settled_at IS NULL AND refund_requested_at IS NULL;
CREATE INDEX payment_refund_due_idx ON ${flyway:defaultSchema}.payment (refund_requested_at)
    WHERE status = 'COMPLETED' AND refund_requested_at IS NOT NULL AND refunded_at IS NULL;

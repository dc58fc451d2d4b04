-- The order read model. ${flyway:defaultSchema} is read_model, or another schema when the model is
-- rebuilt beside the live one. Written only by OrderReadModel; see it for how events change rows.

-- One row per order ever placed; a cancelled order stays, with status CANCELLED.
CREATE TABLE ${flyway:defaultSchema}.order_view (
    order_id      uuid          PRIMARY KEY,
    customer_id   uuid          NOT NULL,
    status        text          NOT NULL CHECK (status IN ('PLACED', 'CANCELLED')),
    total         numeric(12,2) NOT NULL CHECK (total >= 0),
    currency      char(3)       NOT NULL,
    line_count    integer       NOT NULL CHECK (line_count >= 0),
    placed_at     timestamptz   NOT NULL,
    cancelled_at  timestamptz,
    cancel_reason text,
    -- the version of the last event applied: events with a version <= this one change nothing
    version       integer       NOT NULL CHECK (version >= 1),
    CHECK ((status = 'CANCELLED') = (cancelled_at IS NOT NULL))
);

CREATE INDEX order_view_customer_id ON ${flyway:defaultSchema}.order_view (customer_id);

-- Per customer: count and sum of the orders that are not cancelled; the last order is the one
-- placed latest, cancelled or not.
CREATE TABLE ${flyway:defaultSchema}.customer_summary (
    customer_id   uuid          PRIMARY KEY,
    order_count   integer       NOT NULL CHECK (order_count >= 0),
    total         numeric(12,2) NOT NULL,
    last_order_id uuid          NOT NULL,
    last_order_at timestamptz   NOT NULL
);

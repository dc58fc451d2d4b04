-- legacy-db V1: the order system's tables.
-- Plain SQL, safe to run by hand (psql -v ON_ERROR_STOP=1 -f ...) and safe to run twice.
-- Every change to an order is written together with its outbox row (outbox.event) in one
-- transaction; these tables are never read by the relay.

CREATE SCHEMA IF NOT EXISTS legacy;

CREATE TABLE IF NOT EXISTS legacy.customers (
    id            uuid          PRIMARY KEY,
    name          text          NOT NULL,
    credit_limit  numeric(12,2) NOT NULL CHECK (credit_limit >= 0)   -- checked by the payment processor, not here
);

CREATE TABLE IF NOT EXISTS legacy.products (
    id     uuid          PRIMARY KEY,
    name   text          NOT NULL,
    price  numeric(12,2) NOT NULL CHECK (price >= 0)                 -- copied into order_lines.unit_price when ordered
);

CREATE TABLE IF NOT EXISTS legacy.orders (
    id             uuid          PRIMARY KEY,
    customer_id    uuid          NOT NULL REFERENCES legacy.customers (id),
    status         text          NOT NULL CHECK (status IN ('PLACED', 'CANCELLED')),
    total          numeric(12,2) NOT NULL CHECK (total >= 0),
    currency       text          NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    placed_at      timestamptz   NOT NULL,
    cancelled_at   timestamptz,
    cancel_reason  text,
    version        int           NOT NULL CHECK (version >= 1),      -- the aggregate version carried by every event
    -- a cancelled order always says when, a placed one never does
    CONSTRAINT orders_cancelled_at_matches_status CHECK ((status = 'CANCELLED') = (cancelled_at IS NOT NULL))
);

CREATE INDEX IF NOT EXISTS orders_customer_id_idx ON legacy.orders (customer_id);

CREATE TABLE IF NOT EXISTS legacy.order_lines (
    order_id    uuid          NOT NULL REFERENCES legacy.orders (id),
    line_no     int           NOT NULL CHECK (line_no >= 1),
    product_id  uuid          NOT NULL REFERENCES legacy.products (id),
    quantity    int           NOT NULL CHECK (quantity > 0),
    unit_price  numeric(12,2) NOT NULL CHECK (unit_price >= 0),      -- the price when ordered; products.price may change later
    PRIMARY KEY (order_id, line_no)
);

CREATE INDEX IF NOT EXISTS order_lines_product_id_idx ON legacy.order_lines (product_id);

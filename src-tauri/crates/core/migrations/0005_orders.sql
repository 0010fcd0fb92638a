-- Click-and-collect orders received from the marketplace (issue 7).
-- Money is integer cents; times are RFC 3339 UTC text.

CREATE TABLE orders (
    id              INTEGER PRIMARY KEY,
    -- The marketplace's id (`ord_…`) and the short number shown to people (n° 1042),
    -- given locally in order of arrival.
    server_id       TEXT NOT NULL UNIQUE,
    number          INTEGER NOT NULL UNIQUE,
    status          TEXT NOT NULL,
    -- Version of the snapshot stored; an older or equal version is ignored.
    version         INTEGER NOT NULL,
    customer_name   TEXT NOT NULL,
    customer_email  TEXT,
    customer_phone  TEXT,
    -- Pickup time: until when the order waits at the counter (set once ready).
    pickup_at       TEXT,
    pickup_code     TEXT,
    -- The reference marketplace takes payment at the counter.
    payment_status  TEXT NOT NULL DEFAULT 'on_pickup',
    total_cents     INTEGER NOT NULL,
    accept_before   TEXT NOT NULL,
    refusal_reason  TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    received_at     TEXT NOT NULL,
    -- Exactly one notification per order: set when it is claimed, before it is shown.
    notified_at     TEXT,
    reminded_at     TEXT,
    snapshot        TEXT NOT NULL CHECK (json_valid(snapshot))
);
CREATE INDEX orders_status ON orders (status, created_at);
CREATE INDEX orders_created ON orders (created_at);
CREATE INDEX orders_unnotified ON orders (id) WHERE notified_at IS NULL;

CREATE TABLE order_lines (
    order_id          INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    position          INTEGER NOT NULL,
    line_id           TEXT NOT NULL,
    sku               TEXT NOT NULL,
    title             TEXT NOT NULL,
    options           TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(options)),
    quantity          INTEGER NOT NULL,
    unit_price_cents  INTEGER NOT NULL,
    vat_rate          TEXT NOT NULL,
    refused           INTEGER NOT NULL DEFAULT 0,
    -- How much this line took from the local stock (given back on refusal/cancellation).
    stock_taken       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (order_id, line_id)
);

-- The event feed's acknowledged position (one row) and the last reconciliation.
CREATE TABLE order_feed (
    id               INTEGER PRIMARY KEY CHECK (id = 1),
    last_seq         INTEGER NOT NULL DEFAULT 0,
    reconciled_until TEXT
);
INSERT INTO order_feed (id, last_seq) VALUES (1, 0);

-- Merchant actions waiting to reach the marketplace (offline, or retrying).
CREATE TABLE order_transitions (
    id               INTEGER PRIMARY KEY,
    order_server_id  TEXT NOT NULL,
    idempotency_key  TEXT NOT NULL UNIQUE,
    request          TEXT NOT NULL CHECK (json_valid(request)),
    state            TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX order_transitions_pending ON order_transitions (state, id);

-- MSP/1.1: promotions and campaigns. Times are Unix milliseconds (UTC).
--
-- Promotions themselves live in the product's data (`variants[].promotions`): the
-- price a buyer pays is decided when it is read, from that data and the server's
-- clock, so nothing here is scheduled.

-- Units sold at a promotion's reduced price, per shop and promotion id (a promotion
-- id is unique within its shop): what its `quantity_limit` is measured against.
-- Raised in the transaction of the order that sells them; lowered when such a line
-- goes back on the shelf (refused, cancelled, expired), as its stock does.
CREATE TABLE promotion_usage (
    shop_id      TEXT NOT NULL REFERENCES shops(id),
    promotion_id TEXT NOT NULL,
    units        INTEGER NOT NULL DEFAULT 0 CHECK (units >= 0),
    PRIMARY KEY (shop_id, promotion_id)
) WITHOUT ROWID;

-- The marketplace's campaigns (« Noël en Orne »), announced through
-- `POST /admin/v1/campaigns` and listed to the shops by `GET /v1/campaigns`.
CREATE TABLE campaigns (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    starts_at   INTEGER NOT NULL,
    -- NULL: open-ended.
    ends_at     INTEGER,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX campaigns_start ON campaigns (starts_at, id);

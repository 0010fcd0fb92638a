-- Imports: each one is a batch that can be undone exactly. Before an import writes a
-- product it keeps the product's stored rows (and its variants') as JSON; a product the
-- import created has no snapshot (undo deletes it).

CREATE TABLE import_batches (
    id                  INTEGER PRIMARY KEY,
    file_name           TEXT NOT NULL,
    sheet               TEXT NOT NULL DEFAULT '',
    mode                TEXT NOT NULL CHECK (mode IN ('full', 'stock', 'create')),
    layout_hash         TEXT NOT NULL DEFAULT '',
    created_count       INTEGER NOT NULL DEFAULT 0,
    updated_count       INTEGER NOT NULL DEFAULT 0,
    unchanged_count     INTEGER NOT NULL DEFAULT 0,
    rejected_count      INTEGER NOT NULL DEFAULT 0,
    -- Ids of the categories the import created, parents first (JSON array).
    created_categories  TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(created_categories)),
    created_at          TEXT NOT NULL,
    undone_at           TEXT
);

CREATE TABLE import_batch_products (
    batch_id    INTEGER NOT NULL REFERENCES import_batches(id) ON DELETE CASCADE,
    product_id  INTEGER NOT NULL,
    -- JSON snapshot of the product and its variants before the import; NULL: created.
    before      TEXT CHECK (before IS NULL OR json_valid(before)),
    PRIMARY KEY (batch_id, product_id)
) WITHOUT ROWID;
CREATE INDEX import_batch_products_product ON import_batch_products (product_id, batch_id);

-- Column mappings the shopkeeper confirmed, per file layout (hash of the header row).
CREATE TABLE import_mappings (
    layout_hash  TEXT PRIMARY KEY,
    mapping      TEXT NOT NULL CHECK (json_valid(mapping)),
    updated_at   TEXT NOT NULL
);

-- Shop vocabulary (issue 14): a product published in Comptoir whose food information
-- is incomplete (Regulation (EU) No 1169/2011, art. 9 and 14) is sent to the
-- marketplace unpublished, and the shop is told why with an issue of a new kind,
-- `incomplete`. SQLite cannot change a CHECK constraint in place: the table is rebuilt
-- with its rows and its index.

CREATE TABLE sync_conflicts_new (
    id           INTEGER PRIMARY KEY,
    entity       TEXT NOT NULL,
    uid          TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('rejected', 'invalid', 'conflict', 'incomplete')),
    message      TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    resolved_at  TEXT
);
INSERT INTO sync_conflicts_new (id, entity, uid, kind, message, created_at, resolved_at)
    SELECT id, entity, uid, kind, message, created_at, resolved_at FROM sync_conflicts;
DROP TABLE sync_conflicts;
ALTER TABLE sync_conflicts_new RENAME TO sync_conflicts;
CREATE UNIQUE INDEX sync_conflicts_open ON sync_conflicts (entity, uid, kind) WHERE resolved_at IS NULL;

-- Photos the marketplace is known to hold (issue 6): confirmed by `media/check` or by
-- an upload it accepted. The product view shows per photo whether it is online; the
-- engine still asks `media/check` before uploading (the server is the authority).
CREATE TABLE sync_media (
    sha256        TEXT PRIMARY KEY,
    confirmed_at  TEXT NOT NULL
) WITHOUT ROWID;

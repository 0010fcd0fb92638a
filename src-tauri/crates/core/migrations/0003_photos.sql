-- The photo studio: originals are content-addressed files (sha256) in <data>/photos;
-- this schema records what is known about them and which products show them.

CREATE TABLE photos (
    sha256         TEXT PRIMARY KEY CHECK (length(sha256) = 64),
    original_name  TEXT NOT NULL,
    format         TEXT NOT NULL CHECK (format IN ('jpeg', 'png', 'webp')),
    -- upright size (EXIF orientation applied), in pixels
    width          INTEGER NOT NULL CHECK (width > 0),
    height         INTEGER NOT NULL CHECK (height > 0),
    byte_size      INTEGER NOT NULL CHECK (byte_size > 0),
    -- JSON array of quality flag codes: "too_small", "blurry", "too_dark", "overexposed"
    quality_flags  TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(quality_flags)),
    sharpness      REAL NOT NULL DEFAULT 0,
    -- fingerprint of the preset (and pipeline version) the stored derivatives were made with
    preset_fp      TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);

CREATE TABLE product_photos (
    id          INTEGER PRIMARY KEY,
    product_id  INTEGER NOT NULL REFERENCES products(id) ON DELETE CASCADE,
    photo_sha   TEXT NOT NULL REFERENCES photos(sha256) ON DELETE RESTRICT,
    -- 0 is the main photo
    position    INTEGER NOT NULL DEFAULT 0,
    alt_text    TEXT NOT NULL DEFAULT '',
    -- non-destructive edits, applied to the upright original when rendering
    rotation    INTEGER NOT NULL DEFAULT 0 CHECK (rotation IN (0, 90, 180, 270)),
    -- NULL or JSON {"x":…, "y":…, "w":…, "h":…}, fractions of the rotated image
    crop        TEXT CHECK (crop IS NULL OR json_valid(crop)),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    UNIQUE (product_id, photo_sha)
);
CREATE INDEX product_photos_order ON product_photos (product_id, position, id);
CREATE INDEX product_photos_sha ON product_photos (photo_sha);

-- Photos an import attached to products (Photo / Image column matched against the photo
-- library): the product_photos rows it inserted, so that undo removes exactly those.
ALTER TABLE import_batches ADD COLUMN attached_photos TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(attached_photos));

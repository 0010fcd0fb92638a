-- The products one import creates have consecutive ids (the import holds the write lock
-- and hands them out itself): the batch records their range instead of a row each in
-- import_batch_products, which keeps the rows of the products it changed (with their
-- state before) and, for imports made before this migration, of those it created.
ALTER TABLE import_batches ADD COLUMN created_first INTEGER;
ALTER TABLE import_batches ADD COLUMN created_last INTEGER;

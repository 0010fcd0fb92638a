-- The shop's own vocabulary (issue 14). A product is sold by a unit (now also by the
-- metre and the m²), comes in a packaging the shop names in its own words, may be a
-- service, has a stock policy, and pre-packed food carries its mandatory information.
-- A variant's net quantity is one field in the shop's unit (« 75 cl », « 6 × 125 g »)
-- instead of grams and millilitres.

-- The unit's CHECK lists the allowed units and SQLite cannot alter a CHECK: the column
-- is renamed (its CHECK goes with it), a new one added with the longer list, the values
-- copied and the old column dropped (allowed: its only CHECK is its own).
ALTER TABLE products RENAME COLUMN unit TO unit_v1;
ALTER TABLE products ADD COLUMN unit TEXT NOT NULL DEFAULT 'piece'
    CHECK (unit IN ('piece', 'kg', 'hundred_grams', 'litre', 'metre', 'square_metre', 'lot', 'dozen'));
UPDATE products SET unit = unit_v1;
ALTER TABLE products DROP COLUMN unit_v1;

-- What the goods come in, as written: bouteille, pot, barquette…
ALTER TABLE products ADD COLUMN packaging TEXT;
ALTER TABLE products ADD COLUMN kind TEXT NOT NULL DEFAULT 'goods' CHECK (kind IN ('goods', 'service'));
ALTER TABLE products ADD COLUMN stock_policy TEXT NOT NULL DEFAULT 'counted'
    CHECK (stock_policy IN ('counted', 'unlimited', 'made_to_order'));
ALTER TABLE products ADD COLUMN lead_time_days INTEGER CHECK (lead_time_days IS NULL OR lead_time_days BETWEEN 1 AND 365);
ALTER TABLE products ADD COLUMN duration_min INTEGER CHECK (duration_min IS NULL OR duration_min > 0);
-- JSON array of ServiceSession ({starts_at, places}).
ALTER TABLE products ADD COLUMN sessions TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(sessions));
-- JSON FoodInfo; NULL for what is not pre-packed food. Read and written whole, never
-- queried field by field: one column rather than eight.
ALTER TABLE products ADD COLUMN food TEXT CHECK (food IS NULL OR json_valid(food));

-- Net quantity: the volume in litres, centilitres or millilitres (as a label would say
-- it), else the weight in kilograms or grams.
ALTER TABLE variants ADD COLUMN net_quantity TEXT;
UPDATE variants SET net_quantity = CASE
        WHEN volume_ml IS NOT NULL AND volume_ml % 1000 = 0 THEN (volume_ml / 1000) || ' l'
        WHEN volume_ml IS NOT NULL AND volume_ml % 10 = 0 THEN (volume_ml / 10) || ' cl'
        WHEN volume_ml IS NOT NULL THEN volume_ml || ' ml'
        WHEN weight_g IS NOT NULL AND weight_g % 1000 = 0 THEN (weight_g / 1000) || ' kg'
        WHEN weight_g IS NOT NULL THEN weight_g || ' g'
    END
WHERE volume_ml IS NOT NULL OR weight_g IS NOT NULL;
-- A variant that had both keeps its weight as an option the shop sees and can edit,
-- rather than losing it.
UPDATE variants SET options = json_insert(options, '$[#]', json_object('name', 'Poids', 'value', weight_g || ' g'))
WHERE volume_ml IS NOT NULL AND weight_g IS NOT NULL;
ALTER TABLE variants DROP COLUMN weight_g;
ALTER TABLE variants DROP COLUMN volume_ml;

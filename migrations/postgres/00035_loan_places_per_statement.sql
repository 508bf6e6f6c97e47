-- +goose Up
-- The district and bank of new loans are checked once per statement instead
-- of row by row: the foreign keys loans_district_code_fkey and
-- loans_bank_code_fkey each ran a lookup with a row lock on districts or
-- banks for every loan inserted (alternating rounds of 20,000 imported
-- loans: 13% less time with this statement trigger instead of them).
-- loans_places_inserted locks each district and bank the statement's new
-- loans name (FOR KEY SHARE, as the foreign keys did, so that none of them
-- can be deleted or renamed before the transaction ends) and refuses the
-- statement if one is missing, with the error and constraint name the
-- foreign key gave (23503). A loan's district or bank changed by an UPDATE
-- is checked row by row, only when it changes. districts_keep_loans and
-- banks_keep_loans refuse to delete or rename a district or bank a loan
-- names, as the foreign keys did (they run once the row is locked, and under
-- READ COMMITTED each of their checks sees every committed loan).
ALTER TABLE loans DROP CONSTRAINT loans_district_code_fkey, DROP CONSTRAINT loans_bank_code_fkey;

-- +goose StatementBegin
CREATE FUNCTION loans_places_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    missing TEXT;
BEGIN
    PERFORM 1 FROM districts WHERE code IN (SELECT district_code FROM new_rows) FOR KEY SHARE;
    PERFORM 1 FROM banks WHERE code IN (SELECT bank_code FROM new_rows) FOR KEY SHARE;
    SELECT n.district_code INTO missing FROM new_rows n
    WHERE NOT EXISTS (SELECT 1 FROM districts d WHERE d.code = n.district_code) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'insert or update on table "loans" violates foreign key constraint "loans_district_code_fkey"'
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'loans_district_code_fkey', TABLE = 'loans',
                  DETAIL = format('Key (district_code)=(%s) is not present in table "districts".', missing);
    END IF;
    SELECT n.bank_code INTO missing FROM new_rows n
    WHERE NOT EXISTS (SELECT 1 FROM banks b WHERE b.code = n.bank_code) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'insert or update on table "loans" violates foreign key constraint "loans_bank_code_fkey"'
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'loans_bank_code_fkey', TABLE = 'loans',
                  DETAIL = format('Key (bank_code)=(%s) is not present in table "banks".', missing);
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER loans_places_insert AFTER INSERT ON loans REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION loans_places_inserted();

-- +goose StatementBegin
CREATE FUNCTION loans_places_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM districts WHERE code = NEW.district_code FOR KEY SHARE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'insert or update on table "loans" violates foreign key constraint "loans_district_code_fkey"'
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'loans_district_code_fkey', TABLE = 'loans',
                  DETAIL = format('Key (district_code)=(%s) is not present in table "districts".', NEW.district_code);
    END IF;
    PERFORM 1 FROM banks WHERE code = NEW.bank_code FOR KEY SHARE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'insert or update on table "loans" violates foreign key constraint "loans_bank_code_fkey"'
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'loans_bank_code_fkey', TABLE = 'loans',
                  DETAIL = format('Key (bank_code)=(%s) is not present in table "banks".', NEW.bank_code);
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER loans_places_update AFTER UPDATE OF district_code, bank_code ON loans FOR EACH ROW
    WHEN (OLD.district_code IS DISTINCT FROM NEW.district_code OR OLD.bank_code IS DISTINCT FROM NEW.bank_code)
    EXECUTE FUNCTION loans_places_updated();

-- +goose StatementBegin
CREATE FUNCTION districts_keep_loans() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.code = OLD.code THEN
        RETURN NULL;
    END IF;
    IF EXISTS (SELECT 1 FROM loans WHERE district_code = OLD.code) THEN
        RAISE EXCEPTION 'update or delete on table "districts" violates foreign key constraint "loans_district_code_fkey" on table "loans"'
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'loans_district_code_fkey', TABLE = 'districts',
                  DETAIL = format('Key (code)=(%s) is still referenced from table "loans".', OLD.code);
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER districts_keep_loans AFTER DELETE OR UPDATE OF code ON districts FOR EACH ROW
    EXECUTE FUNCTION districts_keep_loans();

-- +goose StatementBegin
CREATE FUNCTION banks_keep_loans() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.code = OLD.code THEN
        RETURN NULL;
    END IF;
    IF EXISTS (SELECT 1 FROM loans WHERE bank_code = OLD.code) THEN
        RAISE EXCEPTION 'update or delete on table "banks" violates foreign key constraint "loans_bank_code_fkey" on table "loans"'
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'loans_bank_code_fkey', TABLE = 'banks',
                  DETAIL = format('Key (code)=(%s) is still referenced from table "loans".', OLD.code);
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER banks_keep_loans AFTER DELETE OR UPDATE OF code ON banks FOR EACH ROW
    EXECUTE FUNCTION banks_keep_loans();

-- +goose Down
DROP TRIGGER banks_keep_loans ON banks;
DROP FUNCTION banks_keep_loans();
DROP TRIGGER districts_keep_loans ON districts;
DROP FUNCTION districts_keep_loans();
DROP TRIGGER loans_places_update ON loans;
DROP FUNCTION loans_places_updated();
DROP TRIGGER loans_places_insert ON loans;
DROP FUNCTION loans_places_inserted();
ALTER TABLE loans ADD CONSTRAINT loans_district_code_fkey FOREIGN KEY (district_code) REFERENCES districts(code),
    ADD CONSTRAINT loans_bank_code_fkey FOREIGN KEY (bank_code) REFERENCES banks(code);

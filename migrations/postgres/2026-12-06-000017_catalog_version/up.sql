-- What a filing reads of the catalog (the comune, its calendar and
-- holidays, its categories, offices and routing zones) is cached by every
-- instance (`store::cache`): a version bumped by any change to those tables
-- tells them, read by primary key.
INSERT INTO cache_versions VALUES ('catalog', 1);
CREATE FUNCTION catalog_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE cache_versions SET version = version + 1 WHERE name = 'catalog';
    RETURN NULL;
END
$$;
CREATE TRIGGER catalog_version AFTER INSERT OR UPDATE OR DELETE ON municipalities
FOR EACH STATEMENT EXECUTE FUNCTION catalog_version_bump();
CREATE TRIGGER catalog_version AFTER INSERT OR UPDATE OR DELETE ON holidays
FOR EACH STATEMENT EXECUTE FUNCTION catalog_version_bump();
CREATE TRIGGER catalog_version AFTER INSERT OR UPDATE OR DELETE ON annual_holidays
FOR EACH STATEMENT EXECUTE FUNCTION catalog_version_bump();
CREATE TRIGGER catalog_version AFTER INSERT OR UPDATE OR DELETE ON offices
FOR EACH STATEMENT EXECUTE FUNCTION catalog_version_bump();
CREATE TRIGGER catalog_version AFTER INSERT OR UPDATE OR DELETE ON categories
FOR EACH STATEMENT EXECUTE FUNCTION catalog_version_bump();
CREATE TRIGGER catalog_version AFTER INSERT OR UPDATE OR DELETE ON routing_zones
FOR EACH STATEMENT EXECUTE FUNCTION catalog_version_bump();

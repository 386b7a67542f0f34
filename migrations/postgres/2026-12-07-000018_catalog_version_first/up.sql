-- A change to the catalog takes the catalog's version row *before* the rows
-- it changes (the triggers of 2026-12-06-000017 ran after each statement, so
-- a transaction held its rows while it waited for the version, and two
-- changes in opposite orders deadlocked): the second change now queues on
-- the version at its first statement, holding nothing the first needs.
DROP TRIGGER catalog_version ON municipalities;
CREATE TRIGGER catalog_version BEFORE INSERT OR UPDATE OR DELETE ON municipalities
FOR EACH STATEMENT EXECUTE FUNCTION catalog_version_bump();
DROP TRIGGER catalog_version ON holidays;
CREATE TRIGGER catalog_version BEFORE INSERT OR UPDATE OR DELETE ON holidays
FOR EACH STATEMENT EXECUTE FUNCTION catalog_version_bump();
DROP TRIGGER catalog_version ON annual_holidays;
CREATE TRIGGER catalog_version BEFORE INSERT OR UPDATE OR DELETE ON annual_holidays
FOR EACH STATEMENT EXECUTE FUNCTION catalog_version_bump();
DROP TRIGGER catalog_version ON offices;
CREATE TRIGGER catalog_version BEFORE INSERT OR UPDATE OR DELETE ON offices
FOR EACH STATEMENT EXECUTE FUNCTION catalog_version_bump();
DROP TRIGGER catalog_version ON categories;
CREATE TRIGGER catalog_version BEFORE INSERT OR UPDATE OR DELETE ON categories
FOR EACH STATEMENT EXECUTE FUNCTION catalog_version_bump();
DROP TRIGGER catalog_version ON routing_zones;
CREATE TRIGGER catalog_version BEFORE INSERT OR UPDATE OR DELETE ON routing_zones
FOR EACH STATEMENT EXECUTE FUNCTION catalog_version_bump();

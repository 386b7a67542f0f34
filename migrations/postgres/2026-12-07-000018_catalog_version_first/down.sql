DROP TRIGGER catalog_version ON municipalities;
CREATE TRIGGER catalog_version AFTER INSERT OR UPDATE OR DELETE ON municipalities
FOR EACH STATEMENT EXECUTE FUNCTION catalog_version_bump();
DROP TRIGGER catalog_version ON holidays;
CREATE TRIGGER catalog_version AFTER INSERT OR UPDATE OR DELETE ON holidays
FOR EACH STATEMENT EXECUTE FUNCTION catalog_version_bump();
DROP TRIGGER catalog_version ON annual_holidays;
CREATE TRIGGER catalog_version AFTER INSERT OR UPDATE OR DELETE ON annual_holidays
FOR EACH STATEMENT EXECUTE FUNCTION catalog_version_bump();
DROP TRIGGER catalog_version ON offices;
CREATE TRIGGER catalog_version AFTER INSERT OR UPDATE OR DELETE ON offices
FOR EACH STATEMENT EXECUTE FUNCTION catalog_version_bump();
DROP TRIGGER catalog_version ON categories;
CREATE TRIGGER catalog_version AFTER INSERT OR UPDATE OR DELETE ON categories
FOR EACH STATEMENT EXECUTE FUNCTION catalog_version_bump();
DROP TRIGGER catalog_version ON routing_zones;
CREATE TRIGGER catalog_version AFTER INSERT OR UPDATE OR DELETE ON routing_zones
FOR EACH STATEMENT EXECUTE FUNCTION catalog_version_bump();

DROP TRIGGER catalog_version ON municipalities;
DROP TRIGGER catalog_version ON holidays;
DROP TRIGGER catalog_version ON annual_holidays;
DROP TRIGGER catalog_version ON offices;
DROP TRIGGER catalog_version ON categories;
DROP TRIGGER catalog_version ON routing_zones;
DROP FUNCTION catalog_version_bump();
DELETE FROM cache_versions WHERE name = 'catalog';

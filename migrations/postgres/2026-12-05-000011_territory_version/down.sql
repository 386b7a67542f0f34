DROP TRIGGER territory_version ON municipalities;
DROP FUNCTION territory_version_bump();
DROP TABLE cache_versions;

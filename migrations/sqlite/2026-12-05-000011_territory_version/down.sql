DROP TRIGGER territory_version_delete;
DROP TRIGGER territory_version_update;
DROP TRIGGER territory_version_insert;
DROP TABLE cache_versions;

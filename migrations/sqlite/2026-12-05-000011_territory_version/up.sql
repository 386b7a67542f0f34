-- The territory index is cached by every instance and rebuilt when the
-- municipalities change: a version bumped by any change tells them, read by
-- primary key (instead of a COUNT/MAX over the table on every filing).
CREATE TABLE cache_versions (
    name TEXT PRIMARY KEY,
    version INTEGER NOT NULL
);
INSERT INTO cache_versions VALUES ('territory', 1);
CREATE TRIGGER territory_version_insert AFTER INSERT ON municipalities BEGIN
    UPDATE cache_versions SET version = version + 1 WHERE name = 'territory';
END;
CREATE TRIGGER territory_version_update AFTER UPDATE ON municipalities BEGIN
    UPDATE cache_versions SET version = version + 1 WHERE name = 'territory';
END;
CREATE TRIGGER territory_version_delete AFTER DELETE ON municipalities BEGIN
    UPDATE cache_versions SET version = version + 1 WHERE name = 'territory';
END;

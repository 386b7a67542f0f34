-- The territory index is cached by every instance and rebuilt when the
-- municipalities change: a version bumped by any change tells them, read by
-- primary key (instead of a COUNT/MAX over the table on every filing).
CREATE TABLE cache_versions (
    name TEXT PRIMARY KEY,
    version BIGINT NOT NULL
);
INSERT INTO cache_versions VALUES ('territory', 1);
CREATE FUNCTION territory_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE cache_versions SET version = version + 1 WHERE name = 'territory';
    RETURN NULL;
END
$$;
CREATE TRIGGER territory_version AFTER INSERT OR UPDATE OR DELETE ON municipalities
FOR EACH STATEMENT EXECUTE FUNCTION territory_version_bump();

-- The map's grid (src/domain/grid.rs): a report's cell at level 1 (0.1°), 2
-- (0.01°) or 3 (0.001°), numbered row by row. Truncation of a non-negative product, as
-- the SQLite migration and the Rust code compute it.
CREATE FUNCTION report_cell(lat DOUBLE PRECISION, lon DOUBLE PRECISION, level INTEGER) RETURNS BIGINT
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE level
        WHEN 3 THEN floor((lat + 90.0::float8) * 1000.0::float8)::bigint * 360001
                  + floor((lon + 180.0::float8) * 1000.0::float8)::bigint
        WHEN 2 THEN floor((lat + 90.0::float8) * 100.0::float8)::bigint * 36001
                  + floor((lon + 180.0::float8) * 100.0::float8)::bigint
        ELSE floor((lat + 90.0::float8) * 10.0::float8)::bigint * 3601
                  + floor((lon + 180.0::float8) * 10.0::float8)::bigint
    END
$$;

-- The map list reads a box cell by cell, at the finest level that covers it
-- with a few dozen cells, through these indexes, ordered by id and carrying
-- what its filters need: the newest reports of a dense box are found without
-- reading, let alone sorting, the rest of it.
ALTER TABLE reports ADD COLUMN map_cell BIGINT GENERATED ALWAYS AS (
    floor((lat + 90.0::float8) * 100.0::float8)::bigint * 36001 + floor((lon + 180.0::float8) * 100.0::float8)::bigint) STORED;
ALTER TABLE reports ADD COLUMN map_cell_street BIGINT GENERATED ALWAYS AS (
    floor((lat + 90.0::float8) * 1000.0::float8)::bigint * 360001 + floor((lon + 180.0::float8) * 1000.0::float8)::bigint) STORED;
CREATE INDEX reports_map_cell ON reports (map_cell, id) INCLUDE (status, category_id, lat, lon);
CREATE INDEX reports_map_cell_street ON reports (map_cell_street, id) INCLUDE (status, category_id, lat, lon);

-- The map's clusters: reports counted per cell, status and category at both
-- levels, kept by the trigger below.
CREATE TABLE report_cells (
    level INTEGER NOT NULL,
    cell BIGINT NOT NULL,
    status TEXT NOT NULL,
    category_id TEXT NOT NULL,
    n BIGINT NOT NULL,
    sum_lat DOUBLE PRECISION NOT NULL,
    sum_lon DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (level, cell, status, category_id)
);
INSERT INTO report_cells
SELECT l.level, report_cell(r.lat, r.lon, l.level), r.status, r.category_id, count(*), sum(r.lat), sum(r.lon)
FROM reports r CROSS JOIN (VALUES (1), (2)) AS l(level)
GROUP BY 1, 2, 3, 4;

-- Kept once per statement (a bulk insert or update is counted in one go):
-- the rows in key order (two changes that meet lock the same rows in the
-- same order), an old and a new place summed when they share a cell.
CREATE FUNCTION report_cells_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO report_cells AS c (level, cell, status, category_id, n, sum_lat, sum_lon)
        SELECT l.level, report_cell(r.lat, r.lon, l.level), r.status, r.category_id,
               count(*), sum(r.lat), sum(r.lon)
        FROM new_rows r CROSS JOIN (VALUES (1), (2)) AS l(level)
        GROUP BY 1, 2, 3, 4
        ORDER BY 1, 2, 3, 4
        ON CONFLICT (level, cell, status, category_id) DO UPDATE
        SET n = c.n + excluded.n, sum_lat = c.sum_lat + excluded.sum_lat, sum_lon = c.sum_lon + excluded.sum_lon;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO report_cells AS c (level, cell, status, category_id, n, sum_lat, sum_lon)
        SELECT l.level, report_cell(r.lat, r.lon, l.level), r.status, r.category_id,
               -count(*), -sum(r.lat), -sum(r.lon)
        FROM old_rows r CROSS JOIN (VALUES (1), (2)) AS l(level)
        GROUP BY 1, 2, 3, 4
        ORDER BY 1, 2, 3, 4
        ON CONFLICT (level, cell, status, category_id) DO UPDATE
        SET n = c.n + excluded.n, sum_lat = c.sum_lat + excluded.sum_lat, sum_lon = c.sum_lon + excluded.sum_lon;
    ELSE
        INSERT INTO report_cells AS c (level, cell, status, category_id, n, sum_lat, sum_lon)
        SELECT l.level, report_cell(v.lat, v.lon, l.level), v.status, v.category_id,
               sum(v.d), sum(v.d * v.lat), sum(v.d * v.lon)
        FROM (
            SELECT o.lat, o.lon, o.status, o.category_id, -1 AS d, n.lat AS nlat, n.lon AS nlon,
                   n.status AS nstatus, n.category_id AS ncategory
            FROM old_rows o JOIN new_rows n ON n.id = o.id
            UNION ALL
            SELECT n.lat, n.lon, n.status, n.category_id, 1, o.lat, o.lon, o.status, o.category_id
            FROM old_rows o JOIN new_rows n ON n.id = o.id
        ) AS v
        CROSS JOIN (VALUES (1), (2)) AS l(level)
        WHERE (v.lat, v.lon, v.status, v.category_id) IS DISTINCT FROM (v.nlat, v.nlon, v.nstatus, v.ncategory)
        GROUP BY 1, 2, 3, 4
        ORDER BY 1, 2, 3, 4
        ON CONFLICT (level, cell, status, category_id) DO UPDATE
        SET n = c.n + excluded.n, sum_lat = c.sum_lat + excluded.sum_lat, sum_lon = c.sum_lon + excluded.sum_lon;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER report_cells_insert AFTER INSERT ON reports
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION report_cells_keep();
CREATE TRIGGER report_cells_update AFTER UPDATE ON reports
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION report_cells_keep();
CREATE TRIGGER report_cells_delete AFTER DELETE ON reports
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION report_cells_keep();

-- "Is it already reported?": only active reports are searched, nearest
-- first, through a GiST index of their own.
DROP INDEX reports_location;
CREATE INDEX reports_active_location ON reports USING gist (point(lon, lat))
WHERE status IN ('new', 'taken_in', 'in_progress');

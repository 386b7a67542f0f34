-- The clusters of a map with no category filter (the citizens' map, the
-- city view) read one row per cell and status instead of one per category
-- too: each cell and status also counts all its categories under the
-- category '*', which no category id can be. Reports are locked while the
-- rows are counted and the trigger replaced, so that no report written
-- meanwhile by another instance is missed.
LOCK TABLE reports IN SHARE ROW EXCLUSIVE MODE;
INSERT INTO report_cells
SELECT level, cell, status, '*', sum(n), sum(sum_lat), sum(sum_lon)
FROM report_cells
GROUP BY level, cell, status;

CREATE OR REPLACE FUNCTION report_cells_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO report_cells AS c (level, cell, status, category_id, n, sum_lat, sum_lon)
        SELECT l.level, report_cell(r.lat, r.lon, l.level), r.status, k.category_id,
               count(*), sum(r.lat), sum(r.lon)
        FROM new_rows r CROSS JOIN (VALUES (1), (2)) AS l(level)
        CROSS JOIN LATERAL (VALUES (r.category_id), ('*')) AS k(category_id)
        WHERE r.publication = 'published'
        GROUP BY 1, 2, 3, 4
        ORDER BY 1, 2, 3, 4
        ON CONFLICT (level, cell, status, category_id) DO UPDATE
        SET n = c.n + excluded.n, sum_lat = c.sum_lat + excluded.sum_lat, sum_lon = c.sum_lon + excluded.sum_lon;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO report_cells AS c (level, cell, status, category_id, n, sum_lat, sum_lon)
        SELECT l.level, report_cell(r.lat, r.lon, l.level), r.status, k.category_id,
               -count(*), -sum(r.lat), -sum(r.lon)
        FROM old_rows r CROSS JOIN (VALUES (1), (2)) AS l(level)
        CROSS JOIN LATERAL (VALUES (r.category_id), ('*')) AS k(category_id)
        WHERE r.publication = 'published'
        GROUP BY 1, 2, 3, 4
        ORDER BY 1, 2, 3, 4
        ON CONFLICT (level, cell, status, category_id) DO UPDATE
        SET n = c.n + excluded.n, sum_lat = c.sum_lat + excluded.sum_lat, sum_lon = c.sum_lon + excluded.sum_lon;
    ELSE
        INSERT INTO report_cells AS c (level, cell, status, category_id, n, sum_lat, sum_lon)
        SELECT l.level, report_cell(v.lat, v.lon, l.level), v.status, k.category_id,
               sum(v.d), sum(v.d * v.lat), sum(v.d * v.lon)
        FROM (
            SELECT o.lat, o.lon, o.status, o.category_id, -1 AS d
            FROM old_rows o JOIN new_rows n ON n.id = o.id
            WHERE o.publication = 'published'
              AND (o.lat, o.lon, o.status, o.category_id, o.publication)
                  IS DISTINCT FROM (n.lat, n.lon, n.status, n.category_id, n.publication)
            UNION ALL
            SELECT n.lat, n.lon, n.status, n.category_id, 1
            FROM old_rows o JOIN new_rows n ON n.id = o.id
            WHERE n.publication = 'published'
              AND (o.lat, o.lon, o.status, o.category_id, o.publication)
                  IS DISTINCT FROM (n.lat, n.lon, n.status, n.category_id, n.publication)
        ) AS v
        CROSS JOIN (VALUES (1), (2)) AS l(level)
        CROSS JOIN LATERAL (VALUES (v.category_id), ('*')) AS k(category_id)
        GROUP BY 1, 2, 3, 4
        ORDER BY 1, 2, 3, 4
        ON CONFLICT (level, cell, status, category_id) DO UPDATE
        SET n = c.n + excluded.n, sum_lat = c.sum_lat + excluded.sum_lat, sum_lon = c.sum_lon + excluded.sum_lon;
    END IF;
    RETURN NULL;
END
$$;

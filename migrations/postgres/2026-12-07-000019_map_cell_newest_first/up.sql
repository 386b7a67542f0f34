-- The map list reads each grid cell newest first and stops at a page. With
-- the cells' indexes on (cell, id), the planner could instead walk the
-- primary key backwards and filter by cell (it does when the visibility map
-- is stale, after a bulk load: 81,000 rows for a page of a district at 200k
-- reports). Ordered by (cell, -id), the list asks for an order the primary
-- key cannot give: only these indexes can, whatever the statistics say.
-- (SQLite is told which index to use with INDEXED BY: nothing to change.)
DROP INDEX reports_map_cell;
DROP INDEX reports_map_cell_street;
CREATE INDEX reports_map_cell ON reports (map_cell, (-id)) INCLUDE (id, status, category_id, lat, lon, publication);
CREATE INDEX reports_map_cell_street ON reports (map_cell_street, (-id)) INCLUDE (id, status, category_id, lat, lon, publication);

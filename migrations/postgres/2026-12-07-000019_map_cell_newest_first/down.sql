DROP INDEX reports_map_cell;
DROP INDEX reports_map_cell_street;
CREATE INDEX reports_map_cell ON reports (map_cell, id) INCLUDE (status, category_id, lat, lon, publication);
CREATE INDEX reports_map_cell_street ON reports (map_cell_street, id) INCLUDE (status, category_id, lat, lon, publication);

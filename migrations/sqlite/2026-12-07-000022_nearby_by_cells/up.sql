-- "Is it already reported?" reads the street cells' index (which carries
-- status, category, coordinates and publication) row of cells by row of
-- cells, as the map list does, instead of an R*Tree of active reports: the
-- index is read twice as fast as the R*Tree for a search of 200 m in a dense
-- centre, and a filing no longer inserts into an R*Tree (a third of what
-- its report's insert cost).
DROP TRIGGER reports_active_insert;
DROP TRIGGER reports_active_update;
DROP TRIGGER reports_active_delete;
DROP TABLE reports_active_rtree;

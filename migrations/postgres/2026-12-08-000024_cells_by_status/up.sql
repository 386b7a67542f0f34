-- The clusters read the rows they count and no others. By the primary key
-- (level, cell, status, category_id), a row of the map's grid read every
-- status and every category of each of its cells to keep those of one
-- category ('*', or the filter's) and the listed statuses. In (level,
-- category_id, status, cell) order, the cells of one category and status
-- lie together, so each range holds only what is counted. The trigger's
-- ON CONFLICT names the same four columns, and it still takes its rows in
-- one order (level, cell, status, category_id) for every writer.
ALTER TABLE report_cells
    DROP CONSTRAINT report_cells_pkey,
    ADD PRIMARY KEY (level, category_id, status, cell);

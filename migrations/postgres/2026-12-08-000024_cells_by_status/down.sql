ALTER TABLE report_cells
    DROP CONSTRAINT report_cells_pkey,
    ADD PRIMARY KEY (level, cell, status, category_id);

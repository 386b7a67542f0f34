-- PostgreSQL's catalog-version triggers now run before each statement (see
-- its migration of the same name); SQLite's single writer already queues
-- every change, so nothing changes here.
SELECT 1;

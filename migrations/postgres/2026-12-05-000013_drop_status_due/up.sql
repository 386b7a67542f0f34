-- Every queue and count by take-in deadline is per office or per comune
-- (reports_office_queue, reports_municipality_queue); this index served
-- none and cost ~36 bytes per report.
DROP INDEX reports_status_due;

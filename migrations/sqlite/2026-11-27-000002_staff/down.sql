DROP INDEX reports_closed;
DROP INDEX reports_municipality_queue;
ALTER TABLE reports DROP COLUMN anonymised_at;
DROP TABLE rate_limits;
DROP TABLE user_offices;
DROP TABLE users;

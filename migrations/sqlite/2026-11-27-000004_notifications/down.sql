ALTER TABLE users DROP COLUMN email;
DROP TABLE api_keys;
DROP TABLE callback_attempts;
DROP TABLE callbacks;
DROP TABLE outbox;

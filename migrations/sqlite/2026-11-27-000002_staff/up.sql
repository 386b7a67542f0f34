-- Staff accounts, abuse limits, and what the staff workflows query.

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,              -- argon2id, PHC string
    role TEXT NOT NULL,                       -- urp | office | supervisor | admin
    municipality_id TEXT NOT NULL REFERENCES municipalities(id),
    active INTEGER NOT NULL DEFAULT 1,
    token_version INTEGER NOT NULL DEFAULT 0, -- bumped to invalidate issued tokens
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE user_offices (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    office_id TEXT NOT NULL REFERENCES offices(id),
    PRIMARY KEY (user_id, office_id)
);

-- Fixed-window counters shared by every instance (login failures per IP,
-- anonymous report creation per IP).
CREATE TABLE rate_limits (
    key TEXT PRIMARY KEY,
    window_start TIMESTAMP NOT NULL,
    count INTEGER NOT NULL
);

ALTER TABLE reports ADD COLUMN anonymised_at TIMESTAMP;

-- URP and supervisor queues: a municipality's reports by status and due time.
CREATE INDEX reports_municipality_queue ON reports (municipality_id, status, take_in_due_at);
-- Retention: closed reports still holding personal data.
CREATE INDEX reports_closed ON reports (closed_at);

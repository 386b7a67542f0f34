-- Notifications: the transactional outbox (email, webhooks), the URP's
-- phone-callback queue, API keys for integrations, staff emails.

CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,                 -- email | webhook
    dedupe_key TEXT NOT NULL UNIQUE,    -- one notification per cause, whatever retries
    payload TEXT NOT NULL,              -- JSON, rendered when enqueued
    report_id BIGINT REFERENCES reports(id),
    state TEXT NOT NULL,                -- pending | sent | dead
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    lease_owner TEXT,                   -- the dispatcher holding it …
    leased_until TIMESTAMP,             -- … until then
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);

CREATE TABLE callbacks (
    id TEXT PRIMARY KEY,
    report_id BIGINT NOT NULL REFERENCES reports(id),
    municipality_id TEXT NOT NULL REFERENCES municipalities(id),
    reason TEXT NOT NULL,               -- resolved | rejected | cannot_fix_soon
    message TEXT,                       -- what to tell the citizen
    state TEXT NOT NULL,                -- open | done | unreachable
    due_at TIMESTAMP NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    escalation_level INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    closed_at TIMESTAMP,
    handled_by TEXT
);
CREATE INDEX callbacks_queue ON callbacks (municipality_id, state, due_at);
CREATE INDEX callbacks_sweep ON callbacks (state, escalation_level, due_at);

CREATE TABLE callback_attempts (
    id TEXT PRIMARY KEY,
    callback_id TEXT NOT NULL REFERENCES callbacks(id),
    at TIMESTAMP NOT NULL,
    outcome TEXT NOT NULL,              -- reached | no_answer | wrong_number
    note TEXT,
    user_id TEXT NOT NULL
);
CREATE INDEX callback_attempts_callback ON callback_attempts (callback_id, at);

CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    municipality_id TEXT NOT NULL REFERENCES municipalities(id),
    office_id TEXT REFERENCES offices(id), -- an external office answering for its reports
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);

ALTER TABLE users ADD COLUMN email TEXT;

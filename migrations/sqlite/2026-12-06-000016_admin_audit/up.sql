-- Every administrative change (offices, categories, staff accounts, API
-- keys, the calendar): who, when, what, before and after. Read by the
-- console's audit view, newest first.
CREATE TABLE admin_audit (
    id TEXT PRIMARY KEY,
    municipality_id TEXT NOT NULL REFERENCES municipalities (id),
    -- The staff member's username, or `cli` for the command line.
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    before TEXT,
    after TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX admin_audit_recent ON admin_audit (municipality_id, created_at DESC, id DESC);

-- Municipalities, their offices, categories, routing zones and calendars;
-- reports with their timeline and attachments.
-- Timestamps are naive UTC; ids are text except for the high-volume tables.

CREATE TABLE municipalities (
    id TEXT PRIMARY KEY,                       -- ISTAT code, e.g. 050026
    name TEXT NOT NULL,
    code_prefix TEXT NOT NULL UNIQUE,          -- prefix of public report codes, e.g. PI
    boundary TEXT NOT NULL,                    -- GeoJSON geometry (Polygon/MultiPolygon)
    min_lon REAL NOT NULL,
    min_lat REAL NOT NULL,
    max_lon REAL NOT NULL,
    max_lat REAL NOT NULL,
    timezone TEXT NOT NULL DEFAULT 'Europe/Rome',
    working_weekdays TEXT NOT NULL DEFAULT '1,2,3,4,5',
    office_hours TEXT NOT NULL DEFAULT '09:00-13:15,14:15-17:00',
    deadline_mode TEXT NOT NULL DEFAULT 'working_days',
    reopen_days INTEGER NOT NULL DEFAULT 30,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE holidays (
    municipality_id TEXT NOT NULL REFERENCES municipalities(id) ON DELETE CASCADE,
    date DATE NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'closure',      -- closure | reopened (a national holiday that is a working day)
    PRIMARY KEY (municipality_id, date)
);

CREATE TABLE offices (
    id TEXT PRIMARY KEY,
    municipality_id TEXT NOT NULL REFERENCES municipalities(id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'internal',     -- internal | company
    email TEXT,
    phone TEXT,
    webhook_url TEXT,
    webhook_secret TEXT,
    active INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (municipality_id, code)
);

CREATE TABLE categories (
    id TEXT PRIMARY KEY,
    municipality_id TEXT NOT NULL REFERENCES municipalities(id),
    code TEXT NOT NULL,
    name_it TEXT NOT NULL,
    name_en TEXT NOT NULL,
    description_it TEXT,
    description_en TEXT,
    parent_id TEXT REFERENCES categories(id),
    default_office_id TEXT REFERENCES offices(id),
    take_in_sla_hours INTEGER NOT NULL DEFAULT 24,
    resolution_target_days INTEGER NOT NULL DEFAULT 30,
    deadline_mode TEXT,                        -- NULL: the municipality's default
    triage INTEGER NOT NULL DEFAULT 0,     -- "altro / non so": a supervisor checks it
    active INTEGER NOT NULL DEFAULT 1,
    public INTEGER NOT NULL DEFAULT 1,
    sort_order INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (municipality_id, code)
);
CREATE INDEX categories_parent ON categories (parent_id);

CREATE TABLE routing_zones (
    id TEXT PRIMARY KEY,
    municipality_id TEXT NOT NULL REFERENCES municipalities(id),
    name TEXT NOT NULL,
    boundary TEXT NOT NULL,
    category_id TEXT REFERENCES categories(id),
    office_id TEXT NOT NULL REFERENCES offices(id),
    priority INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX routing_zones_municipality ON routing_zones (municipality_id);

CREATE TABLE report_counters (
    municipality_id TEXT NOT NULL REFERENCES municipalities(id),
    year INTEGER NOT NULL,
    last_value INTEGER NOT NULL,
    PRIMARY KEY (municipality_id, year)
);

CREATE TABLE reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    municipality_id TEXT NOT NULL REFERENCES municipalities(id),
    category_id TEXT NOT NULL REFERENCES categories(id),
    office_id TEXT REFERENCES offices(id),
    status TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    lat REAL NOT NULL,
    lon REAL NOT NULL,
    address TEXT,
    channel TEXT NOT NULL,
    reporter_name TEXT,
    reporter_email TEXT,
    reporter_phone TEXT,
    contact_preference TEXT NOT NULL,
    language TEXT NOT NULL,
    entered_by TEXT,
    tracking_token_hash TEXT NOT NULL UNIQUE,
    received_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    take_in_due_at TIMESTAMP,
    taken_in_at TIMESTAMP,
    expected_resolution_at TIMESTAMP,
    escalated_at TIMESTAMP,
    escalation_level INTEGER NOT NULL DEFAULT 0,
    resolved_at TIMESTAMP,
    closed_at TIMESTAMP,
    duplicate_of INTEGER REFERENCES reports(id)
);
-- The sweeper: reports still `new` by due time.
CREATE INDEX reports_status_due ON reports (status, take_in_due_at);
-- Office queues, open first by due time.
CREATE INDEX reports_office_queue ON reports (office_id, status, take_in_due_at);
-- Municipality-wide queues and date ranges (URP, supervisor, Open311).
CREATE INDEX reports_municipality_created ON reports (municipality_id, created_at);
-- Spatial (backend-specific): map bbox and nearby search.
CREATE VIRTUAL TABLE reports_rtree USING rtree(id, min_lon, max_lon, min_lat, max_lat);
CREATE TRIGGER reports_rtree_insert AFTER INSERT ON reports BEGIN
    INSERT INTO reports_rtree VALUES (new.id, new.lon, new.lon, new.lat, new.lat);
END;
CREATE TRIGGER reports_rtree_move AFTER UPDATE OF lat, lon ON reports BEGIN
    UPDATE reports_rtree SET min_lon = new.lon, max_lon = new.lon, min_lat = new.lat, max_lat = new.lat
    WHERE id = new.id;
END;
CREATE TRIGGER reports_rtree_delete AFTER DELETE ON reports BEGIN
    DELETE FROM reports_rtree WHERE id = old.id;
END;

CREATE TABLE report_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id INTEGER NOT NULL REFERENCES reports(id),
    at TIMESTAMP NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_id TEXT,
    kind TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT,
    public INTEGER NOT NULL,
    message TEXT,
    data TEXT
);
CREATE INDEX report_events_report ON report_events (report_id, id);

CREATE TABLE attachments (
    id TEXT PRIMARY KEY,
    report_id INTEGER NOT NULL REFERENCES reports(id),
    kind TEXT NOT NULL,                        -- image | document
    content_type TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    width INTEGER,
    height INTEGER,
    original_name TEXT,
    uploaded_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX attachments_report ON attachments (report_id);

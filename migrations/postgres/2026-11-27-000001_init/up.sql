-- Municipalities, their offices, categories, routing zones and calendars;
-- reports with their timeline and attachments.
-- Timestamps are naive UTC; ids are text except for the high-volume tables.

CREATE TABLE municipalities (
    id TEXT PRIMARY KEY,                       -- ISTAT code, e.g. 050026
    name TEXT NOT NULL,
    code_prefix TEXT NOT NULL UNIQUE,          -- prefix of public report codes, e.g. PI
    boundary TEXT NOT NULL,                    -- GeoJSON geometry (Polygon/MultiPolygon)
    min_lon DOUBLE PRECISION NOT NULL,
    min_lat DOUBLE PRECISION NOT NULL,
    max_lon DOUBLE PRECISION NOT NULL,
    max_lat DOUBLE PRECISION NOT NULL,
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
    active BOOLEAN NOT NULL DEFAULT TRUE,
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
    triage BOOLEAN NOT NULL DEFAULT FALSE,     -- "altro / non so": a supervisor checks it
    active BOOLEAN NOT NULL DEFAULT TRUE,
    public BOOLEAN NOT NULL DEFAULT TRUE,
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
    last_value BIGINT NOT NULL,
    PRIMARY KEY (municipality_id, year)
);

CREATE TABLE reports (
    id BIGSERIAL PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    municipality_id TEXT NOT NULL REFERENCES municipalities(id),
    category_id TEXT NOT NULL REFERENCES categories(id),
    office_id TEXT REFERENCES offices(id),
    status TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    lat DOUBLE PRECISION NOT NULL,
    lon DOUBLE PRECISION NOT NULL,
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
    duplicate_of BIGINT REFERENCES reports(id)
);
-- The sweeper: reports still `new` by due time.
CREATE INDEX reports_status_due ON reports (status, take_in_due_at);
-- Office queues, open first by due time.
CREATE INDEX reports_office_queue ON reports (office_id, status, take_in_due_at);
-- Municipality-wide queues and date ranges (URP, supervisor, Open311).
CREATE INDEX reports_municipality_created ON reports (municipality_id, created_at);
-- Spatial (backend-specific): map bbox and nearby search.
CREATE INDEX reports_location ON reports USING gist (point(lon, lat));

CREATE TABLE report_events (
    id BIGSERIAL PRIMARY KEY,
    report_id BIGINT NOT NULL REFERENCES reports(id),
    at TIMESTAMP NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_id TEXT,
    kind TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT,
    public BOOLEAN NOT NULL,
    message TEXT,
    data TEXT
);
CREATE INDEX report_events_report ON report_events (report_id, id);

CREATE TABLE attachments (
    id TEXT PRIMARY KEY,
    report_id BIGINT NOT NULL REFERENCES reports(id),
    kind TEXT NOT NULL,                        -- image | document
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    width INTEGER,
    height INTEGER,
    original_name TEXT,
    uploaded_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX attachments_report ON attachments (report_id);

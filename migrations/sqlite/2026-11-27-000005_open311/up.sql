-- Extra questions per category (Open311 service definitions), and the
-- answers and media link an integration sends with a report.
CREATE TABLE category_attributes (
    id TEXT PRIMARY KEY,
    category_id TEXT NOT NULL REFERENCES categories(id),
    code TEXT NOT NULL,
    datatype TEXT NOT NULL,        -- string | number | datetime | text | singlevaluelist | multivaluelist
    required INTEGER NOT NULL DEFAULT 0,
    description TEXT NOT NULL,     -- the question, e.g. "È un pericolo per la circolazione?"
    datatype_description TEXT,
    sort_order INTEGER NOT NULL DEFAULT 0,
    value_list TEXT,               -- JSON [{"key": "...", "name": "..."}] for the list types
    UNIQUE (category_id, code)
);

ALTER TABLE reports ADD COLUMN attributes TEXT;
ALTER TABLE reports ADD COLUMN media_url TEXT;

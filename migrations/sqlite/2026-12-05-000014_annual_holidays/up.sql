-- Holidays that come back every year on the same day (the patron saint):
-- one rule, not a row per year. One-off closures stay in `holidays`.
CREATE TABLE annual_holidays (
    municipality_id TEXT NOT NULL REFERENCES municipalities(id) ON DELETE CASCADE,
    month INTEGER NOT NULL CHECK (month BETWEEN 1 AND 12),
    day INTEGER NOT NULL CHECK (day BETWEEN 1 AND 31),
    name TEXT NOT NULL,
    PRIMARY KEY (municipality_id, month, day)
);

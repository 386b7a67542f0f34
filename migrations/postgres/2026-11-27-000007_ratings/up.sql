-- "Quanto è stato facile usare questo servizio?": one answer per report.
CREATE TABLE ratings (
    report_id BIGINT PRIMARY KEY REFERENCES reports(id),
    municipality_id TEXT NOT NULL REFERENCES municipalities(id),
    score INTEGER NOT NULL,              -- 1 (molto difficile) … 5 (molto facile)
    comment TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX ratings_municipality ON ratings (municipality_id, created_at);

-- "Quanto sono chiare le informazioni su questa pagina?": the national model's
-- feedback component on every citizen page. No address, no cookie, no account:
-- the page, the stars, the chosen answer and the optional detail.
CREATE TABLE page_feedback (
    id BIGSERIAL PRIMARY KEY,
    page TEXT NOT NULL,                  -- route template, e.g. /segnalazioni/{code}
    rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    answer TEXT,                         -- a code of the model's fixed lists
    detail TEXT,                         -- at most 200 characters, staff only
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX page_feedback_created ON page_feedback (created_at);
-- The URP's contacts, shown with the calendar's office hours on every page.
ALTER TABLE municipalities ADD COLUMN urp_phone TEXT;
ALTER TABLE municipalities ADD COLUMN urp_email TEXT;
ALTER TABLE municipalities ADD COLUMN urp_address TEXT;

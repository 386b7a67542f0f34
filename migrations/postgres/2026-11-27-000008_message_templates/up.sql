-- Per-category templates for the public messages staff send with a status change (JSON list).
ALTER TABLE categories ADD COLUMN message_templates TEXT;

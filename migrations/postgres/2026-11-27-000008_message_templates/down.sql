ALTER TABLE categories DROP COLUMN message_templates;

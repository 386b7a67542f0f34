DROP TABLE page_feedback;
ALTER TABLE municipalities DROP COLUMN urp_phone;
ALTER TABLE municipalities DROP COLUMN urp_email;
ALTER TABLE municipalities DROP COLUMN urp_address;

ALTER TABLE reports DROP COLUMN media_url;
ALTER TABLE reports DROP COLUMN attributes;
DROP TABLE category_attributes;

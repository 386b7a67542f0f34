-- What a filing reads of the catalog (the comune, its calendar and
-- holidays, its categories, offices and routing zones) is cached by every
-- instance (`store::cache`): a version bumped by any change to those tables
-- tells them, read by primary key.
INSERT INTO cache_versions VALUES ('catalog', 1);
CREATE TRIGGER catalog_version_municipalities_insert AFTER INSERT ON municipalities BEGIN
    UPDATE cache_versions SET version = version + 1 WHERE name = 'catalog';
END;
CREATE TRIGGER catalog_version_municipalities_update AFTER UPDATE ON municipalities BEGIN
    UPDATE cache_versions SET version = version + 1 WHERE name = 'catalog';
END;
CREATE TRIGGER catalog_version_municipalities_delete AFTER DELETE ON municipalities BEGIN
    UPDATE cache_versions SET version = version + 1 WHERE name = 'catalog';
END;
CREATE TRIGGER catalog_version_holidays_insert AFTER INSERT ON holidays BEGIN
    UPDATE cache_versions SET version = version + 1 WHERE name = 'catalog';
END;
CREATE TRIGGER catalog_version_holidays_update AFTER UPDATE ON holidays BEGIN
    UPDATE cache_versions SET version = version + 1 WHERE name = 'catalog';
END;
CREATE TRIGGER catalog_version_holidays_delete AFTER DELETE ON holidays BEGIN
    UPDATE cache_versions SET version = version + 1 WHERE name = 'catalog';
END;
CREATE TRIGGER catalog_version_annual_holidays_insert AFTER INSERT ON annual_holidays BEGIN
    UPDATE cache_versions SET version = version + 1 WHERE name = 'catalog';
END;
CREATE TRIGGER catalog_version_annual_holidays_update AFTER UPDATE ON annual_holidays BEGIN
    UPDATE cache_versions SET version = version + 1 WHERE name = 'catalog';
END;
CREATE TRIGGER catalog_version_annual_holidays_delete AFTER DELETE ON annual_holidays BEGIN
    UPDATE cache_versions SET version = version + 1 WHERE name = 'catalog';
END;
CREATE TRIGGER catalog_version_offices_insert AFTER INSERT ON offices BEGIN
    UPDATE cache_versions SET version = version + 1 WHERE name = 'catalog';
END;
CREATE TRIGGER catalog_version_offices_update AFTER UPDATE ON offices BEGIN
    UPDATE cache_versions SET version = version + 1 WHERE name = 'catalog';
END;
CREATE TRIGGER catalog_version_offices_delete AFTER DELETE ON offices BEGIN
    UPDATE cache_versions SET version = version + 1 WHERE name = 'catalog';
END;
CREATE TRIGGER catalog_version_categories_insert AFTER INSERT ON categories BEGIN
    UPDATE cache_versions SET version = version + 1 WHERE name = 'catalog';
END;
CREATE TRIGGER catalog_version_categories_update AFTER UPDATE ON categories BEGIN
    UPDATE cache_versions SET version = version + 1 WHERE name = 'catalog';
END;
CREATE TRIGGER catalog_version_categories_delete AFTER DELETE ON categories BEGIN
    UPDATE cache_versions SET version = version + 1 WHERE name = 'catalog';
END;
CREATE TRIGGER catalog_version_routing_zones_insert AFTER INSERT ON routing_zones BEGIN
    UPDATE cache_versions SET version = version + 1 WHERE name = 'catalog';
END;
CREATE TRIGGER catalog_version_routing_zones_update AFTER UPDATE ON routing_zones BEGIN
    UPDATE cache_versions SET version = version + 1 WHERE name = 'catalog';
END;
CREATE TRIGGER catalog_version_routing_zones_delete AFTER DELETE ON routing_zones BEGIN
    UPDATE cache_versions SET version = version + 1 WHERE name = 'catalog';
END;

DROP TABLE annual_holidays;

-- Retention deletes request counts older than RETENTION_DAYS (server/src/retention/): by minute.
CREATE INDEX request_counts_minute_idx ON request_counts (minute);

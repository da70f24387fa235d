-- Session duration percentiles (issue 7): `session_hourly` keeps only the sum and count of
-- durations, from which no percentile can be had. This keeps a histogram of the durations of
-- cleanly exited sessions (Sentry's `session.duration` covers those alone) per project, release,
-- environment and hour: one row per log-scale bucket that has sessions (16 buckets per doubling,
-- each about 4.4% wide; see `ingest::duration_histogram`), with the largest duration the bucket
-- has seen, so that the maximum is exact and the top bucket's interpolation ends there.
-- `session_duration_daily` holds the same per UTC day, kept by the writer next to the hourly
-- rows, so that the release list's 14-day percentiles sum a few rows per day, not per hour.
-- Durations stored before this migration cannot be put into buckets (only their sums exist):
-- percentiles start with the sessions received from now on.
CREATE TABLE session_duration_hourly (
    project_id  INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    release     TEXT    NOT NULL,
    environment TEXT    NOT NULL,
    hour        INTEGER NOT NULL,
    bucket      INTEGER NOT NULL,
    sessions    INTEGER NOT NULL,
    max         REAL    NOT NULL,
    PRIMARY KEY (project_id, release, environment, hour, bucket)
) WITHOUT ROWID;

CREATE TABLE session_duration_daily (
    project_id  INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    release     TEXT    NOT NULL,
    environment TEXT    NOT NULL,
    day         INTEGER NOT NULL,
    bucket      INTEGER NOT NULL,
    sessions    INTEGER NOT NULL,
    max         REAL    NOT NULL,
    PRIMARY KEY (project_id, release, environment, day, bucket)
) WITHOUT ROWID;

-- Every generation of a report, with the figures it printed, so the next run can list the
-- figures whose inputs changed since (versions 5000-5999 belong to tongtu-report).
CREATE TABLE report_runs (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    year          INTEGER NOT NULL,
    half          INTEGER NOT NULL,
    generated_at  TEXT NOT NULL,
    generated_by  TEXT NOT NULL,
    format        TEXT NOT NULL,
    figures_json  TEXT NOT NULL
);
CREATE INDEX report_runs_period ON report_runs (year, half, id);

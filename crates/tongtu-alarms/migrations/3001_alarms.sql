-- Alarms raised by the rules engine, their handling workflow, enforcement cases, rule settings
-- and geofences. Versions 3000-3999 belong to tongtu-alarms. Times are UTC milliseconds.

CREATE TABLE alarms (
    id              INTEGER PRIMARY KEY,
    vehicle_id      INTEGER NOT NULL REFERENCES vehicles(id),
    -- Owner at the time of the alarm: an alarm stays with the enterprise it happened under.
    enterprise_id   INTEGER NOT NULL REFERENCES enterprises(id),
    rule            TEXT NOT NULL,
    severity        TEXT NOT NULL,
    start_ms        INTEGER NOT NULL,
    end_ms          INTEGER,
    peak            REAL NOT NULL,
    limit_value     REAL NOT NULL,
    detail          TEXT NOT NULL,
    start_lat       INTEGER NOT NULL,
    start_lon       INTEGER NOT NULL,
    start_speed     INTEGER NOT NULL,
    start_fix_json  TEXT NOT NULL,
    end_fix_json    TEXT,
    state           TEXT NOT NULL DEFAULT 'new',
    deadline_ms     INTEGER,
    handled_ms      INTEGER,
    measure         TEXT,
    case_id         INTEGER,
    created_ms      INTEGER NOT NULL,
    updated_ms      INTEGER NOT NULL,
    UNIQUE (vehicle_id, rule, start_ms)
);
CREATE INDEX alarms_start ON alarms(start_ms);
CREATE INDEX alarms_enterprise_start ON alarms(enterprise_id, start_ms);
CREATE INDEX alarms_state ON alarms(state, deadline_ms);

CREATE TABLE alarm_actions (
    id              INTEGER PRIMARY KEY,
    alarm_id        INTEGER NOT NULL REFERENCES alarms(id) ON DELETE CASCADE,
    at_ms           INTEGER NOT NULL,
    actor_id        INTEGER,
    actor_name      TEXT NOT NULL,
    action          TEXT NOT NULL,
    measure         TEXT,
    note            TEXT,
    text            TEXT,
    terminal_result TEXT,
    deadline_ms     INTEGER
);
CREATE INDEX alarm_actions_alarm ON alarm_actions(alarm_id);

-- Minimal enforcement case; the full case register (issue 10) extends it.
CREATE TABLE cases (
    id              INTEGER PRIMARY KEY,
    case_no         TEXT NOT NULL UNIQUE,
    case_type       TEXT NOT NULL,
    violation       TEXT NOT NULL,
    vehicle_id      INTEGER REFERENCES vehicles(id),
    enterprise_id   INTEGER REFERENCES enterprises(id),
    alarm_id        INTEGER UNIQUE REFERENCES alarms(id),
    opened_ms       INTEGER NOT NULL,
    status          TEXT NOT NULL DEFAULT 'open',
    summary         TEXT NOT NULL,
    created_by      TEXT NOT NULL
);
CREATE INDEX cases_opened ON cases(opened_ms);

-- One row: the engine's parameters (RuleConfig without geofences) as JSON.
CREATE TABLE rule_settings (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    config_json     TEXT NOT NULL,
    updated_ms      INTEGER NOT NULL,
    updated_by      TEXT NOT NULL
);

CREATE TABLE geofences (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL,
    enabled         INTEGER NOT NULL DEFAULT 1,
    -- The engine's Geofence (shape, kind, filters) as JSON.
    definition_json TEXT NOT NULL,
    updated_ms      INTEGER NOT NULL
);

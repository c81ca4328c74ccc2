-- Assessment indicators (issue 9): one cached summary per vehicle and closed Beijing day, the
-- days computed, and the bureau's indicator parameters. Portable SQL (SQLite and PostgreSQL):
-- times are UTC milliseconds in BIGINT, days are Beijing day numbers (tongtu_track::day_of).

CREATE TABLE indicator_days (
    -- No foreign key: the track store may hold vehicles since deleted from the registry, and
    -- their days are still counted (as unregistered) rather than lost.
    vehicle_id   BIGINT NOT NULL,
    day          INTEGER NOT NULL,
    -- Copies of Tally fields that SQL needs: 入网 is min(day) where qualified > 0.
    records      BIGINT NOT NULL,
    qualified    BIGINT NOT NULL,
    -- tongtu_rules::indicators::Tally and Carry as JSON.
    tally_json   TEXT NOT NULL,
    carry_json   TEXT NOT NULL,
    computed_ms  BIGINT NOT NULL,
    PRIMARY KEY (vehicle_id, day)
);
CREATE INDEX indicator_days_day ON indicator_days(day);

-- Days computed, also those without any vehicle data, so that catch-up computes each once.
CREATE TABLE indicator_computed_days (
    day          INTEGER PRIMARY KEY,
    vehicles     BIGINT NOT NULL,
    -- The parameters that shape a day's figures (gap, drift, record ranges, online gap), to
    -- tell days computed under other parameters.
    config_json  TEXT NOT NULL,
    computed_ms  BIGINT NOT NULL
);

-- One row: tongtu_rules::indicators::IndicatorConfig as JSON (defaults until the first save).
CREATE TABLE indicator_settings (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    config_json  TEXT NOT NULL,
    updated_ms   BIGINT NOT NULL,
    updated_by   TEXT NOT NULL
);

-- Fleet registry, users, sessions and the audit log.
-- Times are RFC 3339 UTC text in SQLite (timestamptz in the PostgreSQL variant); booleans are
-- 0/1 integers. DML elsewhere uses only $N placeholders and RETURNING so it runs on both.

CREATE TABLE regions (
    id      INTEGER PRIMARY KEY,
    code    TEXT NOT NULL UNIQUE,      -- administrative division code (GB/T 2260)
    name    TEXT NOT NULL UNIQUE,
    kind    TEXT NOT NULL              -- district / county / county_city / zone
);

CREATE TABLE enterprises (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL,
    uscc            TEXT NOT NULL UNIQUE,
    business_types  TEXT NOT NULL,     -- comma-separated business type codes
    licence_no      TEXT NOT NULL,
    region_id       INTEGER NOT NULL REFERENCES regions(id),
    contact_name    TEXT NOT NULL,
    contact_phone   TEXT NOT NULL,
    address         TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE UNIQUE INDEX enterprises_name ON enterprises(name);

CREATE TABLE vehicles (
    id                  INTEGER PRIMARY KEY,
    plate               TEXT NOT NULL,
    plate_color         INTEGER NOT NULL,
    vin                 TEXT NOT NULL UNIQUE,
    vehicle_class       TEXT NOT NULL,
    seats               INTEGER,
    tonnage_kg          INTEGER,
    transport_cert_no   TEXT NOT NULL,
    enterprise_id       INTEGER NOT NULL REFERENCES enterprises(id),
    status              TEXT NOT NULL,
    line_km             INTEGER,        -- one-way line length for scheduled coaches (night rule)
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    UNIQUE (plate, plate_color)
);
CREATE INDEX vehicles_enterprise ON vehicles(enterprise_id);

CREATE TABLE drivers (
    id                      INTEGER PRIMARY KEY,
    name                    TEXT NOT NULL,
    id_number               TEXT NOT NULL UNIQUE,
    phone                   TEXT NOT NULL,
    qualification_cert_no   TEXT NOT NULL,
    enterprise_id           INTEGER NOT NULL REFERENCES enterprises(id),
    vehicle_id              INTEGER REFERENCES vehicles(id),
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL
);
CREATE INDEX drivers_enterprise ON drivers(enterprise_id);

CREATE TABLE terminals (
    id                  INTEGER PRIMARY KEY,
    phone               TEXT NOT NULL UNIQUE,   -- SIM number in the JT/T 808 header
    terminal_id         TEXT NOT NULL,
    manufacturer        TEXT NOT NULL,
    model               TEXT NOT NULL,
    protocol_version    TEXT NOT NULL,
    enterprise_id       INTEGER NOT NULL REFERENCES enterprises(id),
    vehicle_id          INTEGER REFERENCES vehicles(id),
    active              INTEGER NOT NULL DEFAULT 1,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);
-- One active terminal per vehicle.
CREATE UNIQUE INDEX terminals_active_vehicle ON terminals(vehicle_id) WHERE active = 1 AND vehicle_id IS NOT NULL;
CREATE INDEX terminals_enterprise ON terminals(enterprise_id);

CREATE TABLE users (
    id              INTEGER PRIMARY KEY,
    username        TEXT NOT NULL UNIQUE,
    display_name    TEXT NOT NULL,
    password_hash   TEXT NOT NULL,
    role            TEXT NOT NULL,
    enterprise_id   INTEGER REFERENCES enterprises(id),
    disabled        INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);

CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,       -- SHA-256 of the cookie value; the value itself is never stored
    user_id     INTEGER NOT NULL REFERENCES users(id),
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
    id              INTEGER PRIMARY KEY,
    user_id         INTEGER NOT NULL REFERENCES users(id),
    name            TEXT NOT NULL,
    token_hash      TEXT NOT NULL UNIQUE,
    created_at      TEXT NOT NULL,
    last_used_at    TEXT,
    revoked_at      TEXT
);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    actor_id    INTEGER,
    actor_name  TEXT NOT NULL,
    action      TEXT NOT NULL,
    entity      TEXT NOT NULL,
    entity_id   INTEGER,
    summary     TEXT NOT NULL,
    before_json TEXT,
    after_json  TEXT
);
CREATE INDEX audit_entity ON audit_log(entity, entity_id);

-- Read models: what the API returns, with the names operators search by.
CREATE VIEW enterprises_v AS
SELECT e.id, e.name, e.uscc, e.business_types, e.licence_no, e.region_id, r.name AS region_name,
       e.contact_name, e.contact_phone, e.address,
       (SELECT COUNT(*) FROM vehicles v WHERE v.enterprise_id = e.id) AS vehicle_count,
       e.id AS enterprise_id, e.created_at, e.updated_at
FROM enterprises e JOIN regions r ON r.id = e.region_id;

CREATE VIEW vehicles_v AS
SELECT v.id, v.plate, v.plate_color, v.vin, v.vehicle_class, v.seats, v.tonnage_kg,
       v.transport_cert_no, v.enterprise_id, e.name AS enterprise_name, e.region_id, v.status,
       (SELECT t.phone FROM terminals t WHERE t.vehicle_id = v.id AND t.active = 1) AS terminal_phone,
       v.line_km, v.created_at, v.updated_at
FROM vehicles v JOIN enterprises e ON e.id = v.enterprise_id;

CREATE VIEW drivers_v AS
SELECT d.id, d.name, d.id_number, d.phone, d.qualification_cert_no, d.enterprise_id,
       e.name AS enterprise_name, d.vehicle_id, v.plate, d.created_at, d.updated_at
FROM drivers d JOIN enterprises e ON e.id = d.enterprise_id
LEFT JOIN vehicles v ON v.id = d.vehicle_id;

CREATE VIEW terminals_v AS
SELECT t.id, t.phone, t.terminal_id, t.manufacturer, t.model, t.protocol_version, t.vehicle_id,
       v.plate, t.enterprise_id, e.name AS enterprise_name, t.active,
       (t.vehicle_id IS NOT NULL) AS bound, t.created_at, t.updated_at
FROM terminals t JOIN enterprises e ON e.id = t.enterprise_id
LEFT JOIN vehicles v ON v.id = t.vehicle_id;

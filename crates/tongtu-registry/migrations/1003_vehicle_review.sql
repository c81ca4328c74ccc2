-- The date a freight vehicle's annual review (年审) is valid until, set when the bureau
-- approves an online review application (tongtu_records::workflow).
ALTER TABLE vehicles ADD COLUMN review_valid_until TEXT;

DROP VIEW vehicles_v;
CREATE VIEW vehicles_v AS
SELECT v.id, v.plate, v.plate_color, v.vin, v.vehicle_class, v.seats, v.tonnage_kg,
       v.transport_cert_no, v.enterprise_id, e.name AS enterprise_name, e.region_id, v.status,
       (SELECT t.phone FROM terminals t WHERE t.vehicle_id = v.id AND t.active = 1) AS terminal_phone,
       v.line_km, v.review_valid_until, v.created_at, v.updated_at
FROM vehicles v JOIN enterprises e ON e.id = v.enterprise_id;

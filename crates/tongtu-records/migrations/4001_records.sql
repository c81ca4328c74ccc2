-- The columns of every register table as last migrated from the declarations
-- (tongtu_records::ddl::migrate adds tables and columns from it; versions 4000-4999).
CREATE TABLE records_columns (
    register TEXT NOT NULL,
    field TEXT NOT NULL,
    sql_type TEXT NOT NULL,
    added_at TEXT NOT NULL,
    PRIMARY KEY (register, field)
);

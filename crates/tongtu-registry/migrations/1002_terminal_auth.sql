-- Auth codes the JT/T 808 gateway issues in 0x8100 and checks in 0x0102, one per terminal.
-- Kept apart from `terminals` so that registry edits and Excel imports never touch them.
CREATE TABLE terminal_auth (
    terminal_id INTEGER PRIMARY KEY REFERENCES terminals(id) ON DELETE CASCADE,
    auth_code   TEXT NOT NULL,
    issued_at   TEXT NOT NULL
);

//! The gateway's [`TerminalDirectory`] over the registry database: terminal lookups by SIM
//! number, registration checks and auth codes. Plain bound SQL (SQLite and PostgreSQL).

use sqlx::{Row, SqlitePool};
use tongtu_gateway::{
    DirFuture, DirectoryError, RegisterCheck, RegisterClaim, TerminalDirectory, TerminalInfo,
};

pub struct SqlDirectory {
    pool: SqlitePool,
}

impl SqlDirectory {
    pub fn new(pool: SqlitePool) -> Self {
        SqlDirectory { pool }
    }

    async fn lookup_inner(&self, phone: &str) -> Result<Option<TerminalInfo>, DirectoryError> {
        let row = sqlx::query(
            "SELECT t.id, t.terminal_id, t.vehicle_id, v.plate, v.plate_color, t.enterprise_id, \
                    t.protocol_version, t.active \
             FROM terminals t LEFT JOIN vehicles v ON v.id = t.vehicle_id \
             WHERE t.phone = $1",
        )
        .bind(phone)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?;
        let Some(r) = row else { return Ok(None) };
        Ok(Some(TerminalInfo {
            terminal_row_id: r.try_get("id").map_err(db_err)?,
            terminal_id: r.try_get("terminal_id").map_err(db_err)?,
            vehicle_id: r.try_get("vehicle_id").map_err(db_err)?,
            plate: r.try_get("plate").map_err(db_err)?,
            plate_color: r
                .try_get::<Option<i64>, _>("plate_color")
                .map_err(db_err)?
                .and_then(|c| u8::try_from(c).ok()),
            enterprise_id: r.try_get("enterprise_id").map_err(db_err)?,
            protocol_version: r.try_get("protocol_version").map_err(db_err)?,
            active: r.try_get::<i64, _>("active").map_err(db_err)? != 0,
        }))
    }

    async fn check_inner(&self, claim: &RegisterClaim) -> Result<RegisterCheck, DirectoryError> {
        let Some(t) = self.lookup_inner(&claim.phone).await? else {
            // The device is known under another SIM number: "terminal already registered".
            let other = sqlx::query(
                "SELECT id FROM terminals WHERE terminal_id = $1 AND phone <> $2 LIMIT 1",
            )
            .bind(&claim.terminal_id)
            .bind(&claim.phone)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
            return Ok(if other.is_some() && !claim.terminal_id.is_empty() {
                RegisterCheck::TerminalRegistered
            } else {
                RegisterCheck::NoSuchTerminal
            });
        };
        if !t.active || (!claim.terminal_id.is_empty() && claim.terminal_id != t.terminal_id) {
            return Ok(RegisterCheck::NoSuchTerminal);
        }
        if t.vehicle_id.is_none() {
            return Ok(RegisterCheck::NoSuchVehicle);
        }
        let claims_plate = claim.plate_color != 0 && !claim.plate.is_empty();
        if !claims_plate
            || (t.plate.as_deref() == Some(claim.plate.as_str())
                && t.plate_color == Some(claim.plate_color))
        {
            return Ok(RegisterCheck::Accepted(t));
        }
        // The claimed plate is another vehicle: bound to some terminal, or unknown.
        let v = sqlx::query("SELECT id FROM vehicles WHERE plate = $1 AND plate_color = $2")
            .bind(&claim.plate)
            .bind(i64::from(claim.plate_color))
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(if v.is_some() {
            RegisterCheck::VehicleRegistered
        } else {
            RegisterCheck::NoSuchVehicle
        })
    }
}

fn db_err(e: sqlx::Error) -> DirectoryError {
    DirectoryError(e.to_string())
}

impl TerminalDirectory for SqlDirectory {
    fn lookup<'a>(&'a self, phone: &'a str) -> DirFuture<'a, Option<TerminalInfo>> {
        Box::pin(self.lookup_inner(phone))
    }

    fn check_register<'a>(&'a self, claim: &'a RegisterClaim) -> DirFuture<'a, RegisterCheck> {
        Box::pin(self.check_inner(claim))
    }

    fn auth_code<'a>(&'a self, terminal_row_id: i64) -> DirFuture<'a, Option<String>> {
        Box::pin(async move {
            sqlx::query_scalar::<_, String>(
                "SELECT auth_code FROM terminal_auth WHERE terminal_id = $1",
            )
            .bind(terminal_row_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)
        })
    }

    fn store_auth_code<'a>(&'a self, terminal_row_id: i64, code: &'a str) -> DirFuture<'a, ()> {
        Box::pin(async move {
            sqlx::query(
                "INSERT INTO terminal_auth (terminal_id, auth_code, issued_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (terminal_id) DO UPDATE SET auth_code = excluded.auth_code, issued_at = excluded.issued_at",
            )
            .bind(terminal_row_id)
            .bind(code)
            .bind(chrono::Utc::now().to_rfc3339())
            .execute(&self.pool)
            .await
            .map(|_| ())
            .map_err(db_err)
        })
    }
}

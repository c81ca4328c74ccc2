//! Users, roles and permissions, argon2id passwords, console sessions and API tokens.
//! Secrets (session cookies, API tokens) are random 256-bit values; only their SHA-256 is stored.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::SqlitePool;

use crate::audit::{self, AuditEntry};
use crate::error::{FieldError, RegistryError, Result};

/// What a user may do. Every API route names one of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    #[serde(rename = "registry.read")]
    RegistryRead,
    #[serde(rename = "registry.write")]
    RegistryWrite,
    #[serde(rename = "pii.read")]
    PiiRead,
    #[serde(rename = "audit.read")]
    AuditRead,
    #[serde(rename = "users.manage")]
    UsersManage,
    /// See alarms (scoped to the enterprise for officers).
    #[serde(rename = "alarm.read")]
    AlarmRead,
    /// Handle an alarm: measure taken, text to the driver.
    #[serde(rename = "alarm.handle")]
    AlarmHandle,
    /// Review, escalate (督办), close, turn into an enforcement case.
    #[serde(rename = "alarm.supervise")]
    AlarmSupervise,
    /// Rule parameters and geofences.
    #[serde(rename = "rules.manage")]
    RulesManage,
}

/// The four roles of the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    BureauAdmin,
    BureauSupervisor,
    EnterpriseOfficer,
    Viewer,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::BureauAdmin,
        Role::BureauSupervisor,
        Role::EnterpriseOfficer,
        Role::Viewer,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::BureauAdmin => "bureau_admin",
            Role::BureauSupervisor => "bureau_supervisor",
            Role::EnterpriseOfficer => "enterprise_officer",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == s)
    }

    pub fn zh(self) -> &'static str {
        match self {
            Role::BureauAdmin => "交通局管理员",
            Role::BureauSupervisor => "交通局监管人员",
            Role::EnterpriseOfficer => "企业安全员",
            Role::Viewer => "只读用户",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            Role::BureauAdmin => "Bureau administrator",
            Role::BureauSupervisor => "Bureau supervisor",
            Role::EnterpriseOfficer => "Enterprise safety officer",
            Role::Viewer => "Viewer",
        }
    }

    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            Role::BureauAdmin => &[
                RegistryRead,
                RegistryWrite,
                PiiRead,
                AuditRead,
                UsersManage,
                AlarmRead,
                AlarmHandle,
                AlarmSupervise,
                RulesManage,
            ],
            Role::BureauSupervisor => {
                &[RegistryRead, PiiRead, AuditRead, AlarmRead, AlarmSupervise]
            }
            // Enterprise officers keep their own fleet's records and handle its alarms; the
            // scope is enforced in queries.
            Role::EnterpriseOfficer => &[RegistryRead, RegistryWrite, AlarmRead, AlarmHandle],
            Role::Viewer => &[RegistryRead, AlarmRead],
        }
    }
}

/// The authenticated caller of an operation.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Principal {
    pub user_id: Option<i64>,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// Set for enterprise officers: every query is limited to this enterprise.
    pub enterprise_id: Option<i64>,
    pub enterprise_name: Option<String>,
    pub permissions: Vec<Permission>,
}

impl Principal {
    /// The platform itself (migrations, demo seeding, internal reads).
    pub fn system() -> Self {
        Principal {
            user_id: None,
            username: "system".into(),
            display_name: "系统".into(),
            role: Role::BureauAdmin,
            enterprise_id: None,
            enterprise_name: None,
            permissions: Role::BureauAdmin.permissions().to_vec(),
        }
    }

    pub fn has(&self, p: Permission) -> bool {
        self.permissions.contains(&p)
    }

    /// The enterprise every query must be limited to, if any.
    pub fn enterprise_scope(&self) -> Option<i64> {
        if self.role == Role::EnterpriseOfficer {
            // An officer without an enterprise sees nothing rather than everything.
            Some(self.enterprise_id.unwrap_or(-1))
        } else {
            None
        }
    }
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    username: String,
    display_name: String,
    password_hash: String,
    role: String,
    enterprise_id: Option<i64>,
    enterprise_name: Option<String>,
    disabled: bool,
}

impl UserRow {
    fn principal(self) -> Result<Principal> {
        let role = Role::parse(&self.role).ok_or_else(|| {
            RegistryError::Internal(format!("user {} has unknown role {}", self.id, self.role))
        })?;
        Ok(Principal {
            user_id: Some(self.id),
            username: self.username,
            display_name: self.display_name,
            role,
            enterprise_id: self.enterprise_id,
            enterprise_name: self.enterprise_name,
            permissions: role.permissions().to_vec(),
        })
    }
}

const USER_SELECT: &str = "SELECT u.id, u.username, u.display_name, u.password_hash, u.role, u.enterprise_id, \
     e.name AS enterprise_name, u.disabled FROM users u LEFT JOIN enterprises e ON e.id = u.enterprise_id";

/// A user as listed to administrators (no password hash).
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct UserInfo {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub enterprise_id: Option<i64>,
    pub enterprise_name: Option<String>,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Body of user create and update requests.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct UserInput {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub enterprise_id: Option<i64>,
    /// Required on create; on update, a non-empty value resets the password.
    #[serde(default, skip_serializing)]
    pub password: Option<String>,
    #[serde(default)]
    pub disabled: bool,
}

pub const MIN_PASSWORD_LEN: usize = 8;

fn hash_password(password: &str) -> Result<String> {
    let mut raw = [0u8; 16];
    rand::rng().fill_bytes(&mut raw);
    let salt =
        SaltString::encode_b64(&raw).map_err(|e| RegistryError::Internal(format!("salt: {e}")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| RegistryError::Internal(format!("argon2: {e}")))
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A stable hash used to spend the same time on unknown users as on real ones.
fn dummy_hash() -> &'static str {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(|| hash_password("tongtu-timing-equaliser").unwrap_or_default())
}

fn validate_user(input: &UserInput, creating: bool) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let uname_ok = !input.username.is_empty()
        && input.username.len() <= 64
        && input
            .username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    if !uname_ok {
        errors.push(FieldError::new(
            "username",
            "用户名应为 1–64 位字母、数字或 . _ -",
        ));
    }
    if input.display_name.trim().is_empty() {
        errors.push(FieldError::new("display_name", "姓名不能为空"));
    }
    match Role::parse(&input.role) {
        None => errors.push(FieldError::new(
            "role",
            format!("未知角色 {:?}", input.role),
        )),
        Some(Role::EnterpriseOfficer) if input.enterprise_id.is_none() => errors.push(
            FieldError::new("enterprise_id", "企业安全员必须指定所属企业"),
        ),
        Some(r) if r != Role::EnterpriseOfficer && input.enterprise_id.is_some() => errors.push(
            FieldError::new("enterprise_id", "只有企业安全员可以指定所属企业"),
        ),
        _ => {}
    }
    match input.password.as_deref() {
        None | Some("") if creating => errors.push(FieldError::new("password", "请设置初始密码")),
        Some(p) if !p.is_empty() && p.chars().count() < MIN_PASSWORD_LEN => errors.push(
            FieldError::new("password", format!("密码至少 {MIN_PASSWORD_LEN} 位")),
        ),
        _ => {}
    }
    errors
}

/// Checks a username and password; returns the principal or `None` (unknown user, wrong
/// password or disabled account are indistinguishable to the caller).
pub async fn verify_login(
    db: &SqlitePool,
    username: &str,
    password: &str,
) -> Result<Option<Principal>> {
    let sql = format!("{USER_SELECT} WHERE u.username = $1");
    let row: Option<UserRow> = sqlx::query_as(&sql)
        .bind(username)
        .fetch_optional(db)
        .await?;
    let Some(row) = row else {
        verify_password(password, dummy_hash());
        return Ok(None);
    };
    if !verify_password(password, &row.password_hash) || row.disabled {
        return Ok(None);
    }
    row.principal().map(Some)
}

pub async fn create_user(
    db: &SqlitePool,
    actor: &Principal,
    input: &UserInput,
) -> Result<UserInfo> {
    let errors = validate_user(input, true);
    if !errors.is_empty() {
        return Err(RegistryError::Validation(errors));
    }
    let hash = hash_password(input.password.as_deref().unwrap_or_default())?;
    let mut tx = db.begin().await?;
    let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
        .bind(&input.username)
        .fetch_optional(&mut *tx)
        .await?;
    if exists.is_some() {
        return Err(RegistryError::Conflict(format!(
            "用户名 {} 已存在",
            input.username
        )));
    }
    let now = Utc::now();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO users (username, display_name, password_hash, role, enterprise_id, disabled, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
    )
    .bind(&input.username)
    .bind(&input.display_name)
    .bind(hash)
    .bind(&input.role)
    .bind(input.enterprise_id)
    .bind(input.disabled)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    let info = user_info(&mut tx, id).await?;
    audit::write(
        &mut tx,
        &AuditEntry {
            actor,
            action: "create",
            entity: "user",
            entity_id: Some(id),
            summary: format!("新增用户 {}", input.username),
            before: None,
            after: Some(serde_json::to_value(&info).unwrap_or_default()),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(info)
}

async fn user_info(conn: &mut sqlx::SqliteConnection, id: i64) -> Result<UserInfo> {
    sqlx::query_as(
        "SELECT u.id, u.username, u.display_name, u.role, u.enterprise_id, e.name AS enterprise_name, \
         u.disabled, u.created_at, u.updated_at FROM users u LEFT JOIN enterprises e ON e.id = u.enterprise_id \
         WHERE u.id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(RegistryError::NotFound { entity: "user", id })
}

pub async fn list_users(db: &SqlitePool) -> Result<Vec<UserInfo>> {
    Ok(sqlx::query_as(
        "SELECT u.id, u.username, u.display_name, u.role, u.enterprise_id, e.name AS enterprise_name, \
         u.disabled, u.created_at, u.updated_at FROM users u LEFT JOIN enterprises e ON e.id = u.enterprise_id \
         ORDER BY u.id",
    )
    .fetch_all(db)
    .await?)
}

/// Updates a user; a non-empty password resets it and ends the user's sessions.
pub async fn update_user(
    db: &SqlitePool,
    actor: &Principal,
    id: i64,
    input: &UserInput,
) -> Result<UserInfo> {
    let errors = validate_user(input, false);
    if !errors.is_empty() {
        return Err(RegistryError::Validation(errors));
    }
    let mut tx = db.begin().await?;
    let before = user_info(&mut tx, id).await?;
    let taken: Option<i64> =
        sqlx::query_scalar("SELECT id FROM users WHERE username = $1 AND id <> $2")
            .bind(&input.username)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    if taken.is_some() {
        return Err(RegistryError::Conflict(format!(
            "用户名 {} 已存在",
            input.username
        )));
    }
    let now = Utc::now();
    sqlx::query(
        "UPDATE users SET username = $1, display_name = $2, role = $3, enterprise_id = $4, disabled = $5, \
         updated_at = $6 WHERE id = $7",
    )
    .bind(&input.username)
    .bind(&input.display_name)
    .bind(&input.role)
    .bind(input.enterprise_id)
    .bind(input.disabled)
    .bind(now)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    let reset = matches!(input.password.as_deref(), Some(p) if !p.is_empty());
    if let Some(p) = input.password.as_deref().filter(|p| !p.is_empty()) {
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(hash_password(p)?)
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    if reset || input.disabled || input.role != before.role {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    let after = user_info(&mut tx, id).await?;
    audit::write(
        &mut tx,
        &AuditEntry {
            actor,
            action: if reset { "reset_password" } else { "update" },
            entity: "user",
            entity_id: Some(id),
            summary: format!(
                "修改用户 {}{}",
                input.username,
                if reset { "（重置密码）" } else { "" }
            ),
            before: Some(serde_json::to_value(&before).unwrap_or_default()),
            after: Some(serde_json::to_value(&after).unwrap_or_default()),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Sets a new password by username (the `admin reset-password` command).
pub async fn reset_password(
    db: &SqlitePool,
    actor: &Principal,
    username: &str,
    password: &str,
) -> Result<()> {
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
        .bind(username)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| RegistryError::BadRequest(format!("no user named {username:?}")))?;
    tx.rollback().await?;
    let current = user_info(&mut *db.acquire().await?, id).await?;
    let input = UserInput {
        username: current.username,
        display_name: current.display_name,
        role: current.role,
        enterprise_id: current.enterprise_id,
        password: Some(password.to_string()),
        disabled: current.disabled,
    };
    update_user(db, actor, id, &input).await.map(|_| ())
}

fn new_secret(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!(
        "{prefix}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

fn secret_hash(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Opens a console session; returns the cookie value.
pub async fn create_session(db: &SqlitePool, p: &Principal, ttl: Duration) -> Result<String> {
    let secret = new_secret("");
    let now = Utc::now();
    let user_id = p
        .user_id
        .ok_or_else(|| RegistryError::Internal("session for system principal".into()))?;
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
        .bind(now)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(secret_hash(&secret))
        .bind(user_id)
        .bind(now)
        .bind(now + ttl)
        .execute(&mut *tx)
        .await?;
    audit::write(
        &mut tx,
        &AuditEntry {
            actor: p,
            action: "login",
            entity: "session",
            entity_id: None,
            summary: format!("用户 {} 登录", p.username),
            before: None,
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(secret)
}

/// The principal of a live session cookie.
pub async fn session_principal(db: &SqlitePool, cookie: &str) -> Result<Option<Principal>> {
    let sql = format!(
        "{USER_SELECT} JOIN sessions s ON s.user_id = u.id WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled = 0"
    );
    let row: Option<UserRow> = sqlx::query_as(&sql)
        .bind(secret_hash(cookie))
        .bind(Utc::now())
        .fetch_optional(db)
        .await?;
    row.map(UserRow::principal).transpose()
}

pub async fn end_session(db: &SqlitePool, cookie: &str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(secret_hash(cookie))
        .execute(db)
        .await?;
    Ok(())
}

/// An API token as listed (the secret is shown only once, at creation).
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct TokenInfo {
    pub id: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A freshly created token with its secret.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NewToken {
    pub id: i64,
    pub name: String,
    pub token: String,
}

pub async fn create_token(db: &SqlitePool, p: &Principal, name: &str) -> Result<NewToken> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(RegistryError::Validation(vec![FieldError::new(
            "name",
            "令牌名称应为 1–100 个字符",
        )]));
    }
    let user_id = p
        .user_id
        .ok_or_else(|| RegistryError::Internal("token for system principal".into()))?;
    let secret = new_secret("tt_");
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(user_id)
    .bind(name)
    .bind(secret_hash(&secret))
    .bind(Utc::now())
    .fetch_one(&mut *tx)
    .await?;
    audit::write(
        &mut tx,
        &AuditEntry {
            actor: p,
            action: "create",
            entity: "api_token",
            entity_id: Some(id),
            summary: format!("创建 API 令牌 {name}"),
            before: None,
            after: Some(serde_json::json!({ "id": id, "name": name })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(NewToken {
        id,
        name: name.to_string(),
        token: secret,
    })
}

pub async fn list_tokens(db: &SqlitePool, p: &Principal) -> Result<Vec<TokenInfo>> {
    Ok(sqlx::query_as(
        "SELECT id, name, created_at, last_used_at, revoked_at FROM api_tokens WHERE user_id = $1 ORDER BY id",
    )
    .bind(p.user_id.unwrap_or(-1))
    .fetch_all(db)
    .await?)
}

pub async fn revoke_token(db: &SqlitePool, p: &Principal, id: i64) -> Result<()> {
    let mut tx = db.begin().await?;
    let done = sqlx::query(
        "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL",
    )
    .bind(Utc::now())
    .bind(id)
    .bind(p.user_id.unwrap_or(-1))
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(RegistryError::NotFound {
            entity: "api_token",
            id,
        });
    }
    audit::write(
        &mut tx,
        &AuditEntry {
            actor: p,
            action: "delete",
            entity: "api_token",
            entity_id: Some(id),
            summary: format!("吊销 API 令牌 {id}"),
            before: None,
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The principal of a live bearer token.
pub async fn token_principal(db: &SqlitePool, token: &str) -> Result<Option<Principal>> {
    let hash = secret_hash(token);
    let sql = format!(
        "{USER_SELECT} JOIN api_tokens t ON t.user_id = u.id WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.disabled = 0"
    );
    let row: Option<UserRow> = sqlx::query_as(&sql).bind(&hash).fetch_optional(db).await?;
    if row.is_some() {
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2")
            .bind(Utc::now())
            .bind(&hash)
            .execute(db)
            .await?;
    }
    row.map(UserRow::principal).transpose()
}

//! The OpenAPI document, assembled from the same record declarations that build the routes,
//! plus the hand-written routes. Served at `/api/v1/openapi.json`.

use utoipa::openapi::path::{
    HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, InfoBuilder, ObjectBuilder, OpenApi, OpenApiBuilder,
    PathsBuilder, Ref, RefOr, ResponseBuilder, Schema, Type,
};
use utoipa::ToSchema;

use tongtu_registry::{auth, entities, CellError, FieldError, Record};

struct Doc {
    paths: PathsBuilder,
    components: ComponentsBuilder,
}

/// What one operation takes and returns.
struct Op<'a> {
    method: HttpMethod,
    path: &'a str,
    tag: &'a str,
    summary: String,
    permission: &'a str,
    body: Option<&'a str>,
    response: Option<&'a str>,
    status: &'a str,
    params: Vec<(&'a str, ParameterIn, &'a str)>,
}

fn schema_ref(name: &str) -> RefOr<Schema> {
    RefOr::Ref(Ref::from_schema_name(name))
}

impl Doc {
    fn add<S: ToSchema>(&mut self) {
        let mut c = std::mem::take(&mut self.components);
        c = c.schema(S::name(), S::schema());
        self.components = c;
    }

    fn op(&mut self, op: Op<'_>) {
        let mut b = OperationBuilder::new()
            .tag(op.tag)
            .summary(Some(op.summary.clone()))
            .description(Some(format!("Permission: `{}`", op.permission)))
            .security(SecurityRequirement::new("session", Vec::<String>::new()))
            .security(SecurityRequirement::new("bearer", Vec::<String>::new()));
        for (name, place, desc) in &op.params {
            b = b.parameter(
                ParameterBuilder::new()
                    .name(*name)
                    .parameter_in(place.clone())
                    .description(Some(*desc))
                    .required(if matches!(place, ParameterIn::Path) {
                        utoipa::openapi::Required::True
                    } else {
                        utoipa::openapi::Required::False
                    })
                    .schema(Some(ObjectBuilder::new().schema_type(Type::String))),
            );
        }
        if let Some(body) = op.body {
            let content = if body == "multipart" {
                ("multipart/form-data", ContentBuilder::new().build())
            } else {
                (
                    "application/json",
                    ContentBuilder::new().schema(Some(schema_ref(body))).build(),
                )
            };
            b = b.request_body(Some(
                RequestBodyBuilder::new()
                    .content(content.0, content.1)
                    .build(),
            ));
        }
        let mut resp = ResponseBuilder::new().description("success");
        match op.response {
            Some("xlsx") => {
                resp = resp.content(
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    ContentBuilder::new().build(),
                )
            }
            Some(r) => {
                resp = resp.content(
                    "application/json",
                    ContentBuilder::new().schema(Some(schema_ref(r))).build(),
                )
            }
            None => {}
        }
        b = b
            .response(op.status, resp.build())
            .response(
                "401",
                ResponseBuilder::new()
                    .description("not authenticated")
                    .build(),
            )
            .response(
                "403",
                ResponseBuilder::new()
                    .description("permission missing")
                    .build(),
            );
        let paths = std::mem::take(&mut self.paths);
        self.paths = paths.path(op.path, PathItem::new(op.method, b.build()));
    }

    fn collection<R: Record + ToSchema>(&mut self)
    where
        R::Input: ToSchema,
    {
        self.add::<R>();
        self.add::<R::Input>();
        let base = format!("/api/v1/{}", R::TABLE);
        let item = format!("{base}/{{id}}");
        let name = R::name().to_string();
        let input = <R::Input as ToSchema>::name().to_string();
        let filters: Vec<&str> = R::FILTERS.iter().map(|f| f.name).collect();
        let mut list_params = vec![
            ("q", ParameterIn::Query, "substring search"),
            (
                "cursor",
                ParameterIn::Query,
                "next_cursor of the previous page",
            ),
            ("limit", ParameterIn::Query, "page size, 1–500 (default 50)"),
        ];
        for f in &filters {
            list_params.push((f, ParameterIn::Query, "equality filter"));
        }
        let id = vec![("id", ParameterIn::Path, "record id")];
        let t = R::TABLE;
        self.op(Op {
            method: HttpMethod::Get,
            path: &base,
            tag: t,
            summary: format!("List {t}"),
            permission: "registry.read",
            body: None,
            response: Some("Page"),
            status: "200",
            params: list_params.clone(),
        });
        self.op(Op {
            method: HttpMethod::Post,
            path: &base,
            tag: t,
            summary: format!("Create one of {t}"),
            permission: "registry.write",
            body: Some(&input),
            response: Some(&name),
            status: "201",
            params: vec![],
        });
        self.op(Op {
            method: HttpMethod::Get,
            path: &item,
            tag: t,
            summary: format!("Get one of {t}"),
            permission: "registry.read",
            body: None,
            response: Some(&name),
            status: "200",
            params: id.clone(),
        });
        self.op(Op {
            method: HttpMethod::Put,
            path: &item,
            tag: t,
            summary: format!("Replace one of {t}"),
            permission: "registry.write",
            body: Some(&input),
            response: Some(&name),
            status: "200",
            params: id.clone(),
        });
        self.op(Op {
            method: HttpMethod::Delete,
            path: &item,
            tag: t,
            summary: format!("Delete one of {t}"),
            permission: "registry.write",
            body: None,
            response: None,
            status: "204",
            params: id,
        });
        self.op(Op {
            method: HttpMethod::Get,
            path: &format!("{base}/export"),
            tag: t,
            summary: format!("Export {t} to Excel"),
            permission: "registry.read",
            body: None,
            response: Some("xlsx"),
            status: "200",
            params: list_params,
        });
        self.op(Op {
            method: HttpMethod::Get,
            path: &format!("{base}/template"),
            tag: t,
            summary: format!("Excel import template for {t}"),
            permission: "registry.read",
            body: None,
            response: Some("xlsx"),
            status: "200",
            params: vec![],
        });
        self.op(Op {
            method: HttpMethod::Post,
            path: &format!("{base}/import"),
            tag: t,
            summary: format!("Import {t} from Excel (all or nothing)"),
            permission: "registry.write",
            body: Some("multipart"),
            response: Some("ImportResult"),
            status: "200",
            params: vec![],
        });
    }
}

/// A generated register route: method, path, summary, permission, body, response, status,
/// parameters.
type RegisterOp<'a> = (
    HttpMethod,
    &'a str,
    String,
    &'a str,
    Option<&'a str>,
    Option<&'a str>,
    &'a str,
    Vec<(&'a str, ParameterIn, &'a str)>,
);

impl Doc {
    /// One register's routes and schemas, from its declaration (docs/records-api.md).
    fn register(&mut self, r: &tongtu_records::Register) {
        use tongtu_records::Kind;
        let mut row = ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some(format!("{}（{}）: {}", r.zh, r.en, r.about)));
        let mut input = ObjectBuilder::new().schema_type(Type::Object);
        row = row.property("id", ObjectBuilder::new().schema_type(Type::Integer));
        for f in r.fields {
            let mut p = ObjectBuilder::new().description(Some(format!(
                "{}{}",
                f.zh,
                f.unit.map(|u| format!("（{u}）")).unwrap_or_default()
            )));
            p = match f.kind {
                Kind::Text { max } => p.schema_type(Type::String).max_length(Some(max as usize)),
                Kind::Int { min, max } => p
                    .schema_type(Type::Integer)
                    .minimum(min.map(|v| v as f64))
                    .maximum(max.map(|v| v as f64)),
                Kind::Num { min, max, .. } => p.schema_type(Type::Number).minimum(min).maximum(max),
                Kind::Date => p.schema_type(Type::String).format(Some(
                    utoipa::openapi::SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::Date),
                )),
                Kind::Month => p
                    .schema_type(Type::String)
                    .pattern(Some("^[0-9]{4}-[0-9]{2}$")),
                Kind::Bool => p.schema_type(Type::Boolean),
                Kind::Code(d) => p
                    .schema_type(Type::String)
                    .enum_values(Some(d.codes.iter().map(|c| c.code))),
                Kind::Region | Kind::Enterprise | Kind::Vehicle | Kind::Ref(_) => {
                    p.schema_type(Type::Integer)
                }
            };
            let p = p.build();
            row = row.property(f.key, p.clone());
            input = input.property(f.key, p);
            if f.required {
                row = row.required(f.key);
                input = input.required(f.key);
            }
        }
        row = row
            .property("_display", ObjectBuilder::new().schema_type(Type::Object))
            .property("created_at", ObjectBuilder::new().schema_type(Type::String))
            .property("updated_at", ObjectBuilder::new().schema_type(Type::String));
        let name = format!("Record_{}", r.key);
        let input_name = format!("RecordInput_{}", r.key);
        self.components = std::mem::take(&mut self.components)
            .schema(&name, row)
            .schema(&input_name, input);
        let base = format!("/api/v1/records/{}", r.key);
        let item = format!("{base}/{{id}}");
        let tag = format!("records.{}", r.key);
        let mut filters: Vec<String> = Vec::new();
        for f in r.fields.iter().filter(|f| f.filter) {
            filters.push(f.key.to_string());
            if matches!(
                f.kind,
                Kind::Date | Kind::Month | Kind::Int { .. } | Kind::Num { .. }
            ) {
                filters.push(format!("{}_from", f.key));
                filters.push(format!("{}_to", f.key));
            }
        }
        let mut list_params = vec![
            ("q", ParameterIn::Query, "substring of any text field"),
            ("sort", ParameterIn::Query, "field or -field"),
            (
                "cursor",
                ParameterIn::Query,
                "next_cursor of the previous page",
            ),
            ("limit", ParameterIn::Query, "page size, 1–500 (default 50)"),
        ];
        for f in &filters {
            list_params.push((f.as_str(), ParameterIn::Query, "filter"));
        }
        let id = vec![("id", ParameterIn::Path, "row id")];
        let ops: Vec<RegisterOp> = vec![
            (
                HttpMethod::Get,
                &base,
                format!("List {}", r.zh),
                "registry.read",
                None,
                Some("Page"),
                "200",
                list_params.clone(),
            ),
            (
                HttpMethod::Post,
                &base,
                format!("Create {}", r.zh),
                "registry.write",
                Some(&input_name),
                Some(&name),
                "201",
                vec![],
            ),
            (
                HttpMethod::Get,
                &item,
                format!("Get {}", r.zh),
                "registry.read",
                None,
                Some(&name),
                "200",
                id.clone(),
            ),
            (
                HttpMethod::Put,
                &item,
                format!("Replace {}", r.zh),
                "registry.write",
                Some(&input_name),
                Some(&name),
                "200",
                id.clone(),
            ),
            (
                HttpMethod::Delete,
                &item,
                format!("Delete {}", r.zh),
                "registry.write",
                None,
                None,
                "204",
                id,
            ),
        ];
        for (method, path, summary, permission, body, response, status, params) in ops {
            self.op(Op {
                method,
                path,
                tag: &tag,
                summary,
                permission,
                body,
                response,
                status,
                params,
            });
        }
        let mut export_params = list_params;
        export_params.push(("format", ParameterIn::Query, "xlsx (default) or csv"));
        self.op(Op {
            method: HttpMethod::Get,
            path: &format!("{base}/export"),
            tag: &tag,
            summary: format!("Export {} (xlsx or csv)", r.zh),
            permission: "registry.read",
            body: None,
            response: Some("xlsx"),
            status: "200",
            params: export_params,
        });
        self.op(Op {
            method: HttpMethod::Get,
            path: &format!("{base}/template"),
            tag: &tag,
            summary: format!("Excel template of {}", r.zh),
            permission: "registry.read",
            body: None,
            response: Some("xlsx"),
            status: "200",
            params: vec![],
        });
        self.op(Op {
            method: HttpMethod::Post,
            path: &format!("{base}/import"),
            tag: &tag,
            summary: format!(
                "Import {} from Excel (all or nothing; natural key updates)",
                r.zh
            ),
            permission: "registry.write",
            body: Some("multipart"),
            response: Some("RecordImportResult"),
            status: "200",
            params: vec![],
        });
    }
}

/// A hand-written route: method, path, tag, summary, permission, body, response, status, params.
type Row<'a> = (
    HttpMethod,
    &'a str,
    &'a str,
    &'a str,
    &'a str,
    Option<&'a str>,
    Option<&'a str>,
    &'a str,
    Vec<(&'a str, ParameterIn, &'a str)>,
);

/// Builds the whole document.
pub fn document() -> OpenApi {
    let mut doc = Doc {
        paths: PathsBuilder::new(),
        components: ComponentsBuilder::new(),
    };
    doc.collection::<entities::Enterprise>();
    doc.collection::<entities::Vehicle>();
    doc.collection::<entities::Driver>();
    doc.collection::<entities::Terminal>();
    for r in tongtu_records::registers::all() {
        doc.register(r);
    }
    doc.add::<entities::Region>();
    doc.add::<FieldError>();
    doc.add::<CellError>();
    doc.add::<auth::UserInfo>();
    doc.add::<auth::UserInput>();
    doc.add::<auth::TokenInfo>();
    doc.add::<auth::NewToken>();
    doc.add::<tongtu_registry::audit::AuditItem>();
    doc.add::<crate::routes::auth::LoginRequest>();
    doc.add::<crate::routes::auth::UserView>();
    doc.add::<crate::routes::admin::TokenRequest>();
    doc.add::<tongtu_alarms::AlarmItem>();
    doc.add::<tongtu_alarms::AlarmAction>();
    doc.add::<tongtu_alarms::AlarmDetail>();
    doc.add::<tongtu_alarms::AlarmState>();
    doc.add::<tongtu_alarms::Case>();
    doc.add::<tongtu_alarms::Evidence>();
    doc.add::<tongtu_alarms::EvidencePoint>();
    doc.add::<tongtu_alarms::Stats>();
    doc.add::<tongtu_alarms::RuleCount>();
    doc.add::<tongtu_alarms::StateCount>();
    doc.add::<tongtu_alarms::EnterpriseCount>();
    doc.add::<tongtu_alarms::DayCount>();
    doc.add::<tongtu_alarms::Notifications>();
    doc.add::<tongtu_alarms::workflow::HandleInput>();
    doc.add::<tongtu_alarms::workflow::Measure>();
    doc.add::<tongtu_alarms::workflow::ReviewInput>();
    doc.add::<tongtu_alarms::workflow::EscalateInput>();
    doc.add::<tongtu_alarms::workflow::CloseInput>();
    doc.add::<tongtu_alarms::workflow::CaseInput>();
    doc.add::<crate::routes::alarms::ReplayRequest>();
    doc.add::<tongtu_alarms::monitor::LiveSnapshot>();
    doc.add::<tongtu_alarms::monitor::LiveCounts>();
    doc.add::<tongtu_alarms::monitor::LiveVehicle>();
    doc.add::<tongtu_alarms::monitor::LiveState>();
    doc.add::<tongtu_alarms::monitor::TrackPoint>();
    doc.add::<tongtu_alarms::monitor::VehicleCard>();
    doc.add::<tongtu_alarms::monitor::VehicleToday>();
    doc.add::<tongtu_alarms::monitor::TerminalInfo>();
    doc.add::<tongtu_alarms::monitor::DriverInfo>();
    doc.add::<tongtu_alarms::monitor::FixInfo>();
    doc.add::<tongtu_alarms::roads::Location>();
    doc.add::<crate::map_sources::MapSource>();
    doc.add::<crate::routes::indicators::RecomputeRequest>();
    doc.add::<tongtu_alarms::dashboard::Dashboard>();
    doc.add::<tongtu_alarms::dashboard::ClassCount>();
    doc.add::<tongtu_alarms::dashboard::EnterprisePending>();
    doc.add::<tongtu_alarms::dashboard::MinuteSeries>();
    doc.add::<tongtu_alarms::commands::TextInput>();
    doc.add::<tongtu_alarms::commands::CommandResult>();
    doc.add::<tongtu_alarms::workflow::ParamEntry>();
    let generic = |desc: &str| -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some(desc))
            .into()
    };
    doc.components = std::mem::take(&mut doc.components)
        .schema("Page", generic("{items: [...], next_cursor: string|null, total: integer}"))
        .schema("RecordImportResult", generic("{inserted: integer, updated: integer}; 422 import_invalid lists details.errors as CellError"))
        .schema("RecordSchema", generic("the registers the caller may read: {groups, registers: [{key, zh, en, group, fields: [...]}]}; see docs/records-api.md"))
        .schema("ImportResult", generic("{imported: integer}; 422 import_invalid lists details.errors as CellError"))
        .schema("RuleSettings", generic("night_start_min, night_end_min, ban_start_min, ban_end_min (local minutes), default_class and classes.{code}: ClassRules (speed_limit_kmh, fatigue_day_secs, ...); see docs/alarms-api.md"))
        .schema("Geofence", generic("{id, name, enabled, shape: {type: circle|polygon|corridor, ...}, kind: {type: enter|leave|forbidden|route_deviation|speed_limit, limit_kmh?}, vehicle_ids, classes, active_from_min, active_to_min}"))
        .schema("Geofences", generic("{items: Geofence[]}"))
        .schema("Replay", generic("{total, alarms: [{vehicle_id, rule, rule_code, plate, severity, start_ms, end_ms, peak, limit, detail, start_fix, end_fix}]}"))
        .schema("Meta", generic("dictionaries: vehicle_classes, business_types, plate_colors, vehicle_statuses, roles, protocol_versions"))
        .security_scheme("session", SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("tongtu_session"))))
        .security_scheme("bearer", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()));
    use HttpMethod::*;
    let none: Vec<(&str, ParameterIn, &str)> = vec![];
    let id = vec![("id", ParameterIn::Path, "id")];
    let rows: Vec<Row> = vec![
        (
            Post,
            "/api/v1/auth/login",
            "auth",
            "Log in; sets the session cookie",
            "none",
            Some("LoginRequest"),
            Some("UserView"),
            "200",
            none.clone(),
        ),
        (
            Post,
            "/api/v1/auth/logout",
            "auth",
            "Log out",
            "any user",
            None,
            None,
            "204",
            none.clone(),
        ),
        (
            Get,
            "/api/v1/auth/me",
            "auth",
            "The signed-in user",
            "any user",
            None,
            Some("UserView"),
            "200",
            none.clone(),
        ),
        (
            Get,
            "/api/v1/meta",
            "meta",
            "Code dictionaries",
            "any user",
            None,
            Some("Meta"),
            "200",
            none.clone(),
        ),
        (
            Get,
            "/api/v1/regions",
            "meta",
            "Districts and counties",
            "registry.read",
            None,
            Some("Page"),
            "200",
            none.clone(),
        ),
        (
            Get,
            "/api/v1/users",
            "users",
            "List users",
            "users.manage",
            None,
            Some("Page"),
            "200",
            none.clone(),
        ),
        (
            Post,
            "/api/v1/users",
            "users",
            "Create a user",
            "users.manage",
            Some("UserInput"),
            Some("UserInfo"),
            "201",
            none.clone(),
        ),
        (
            Put,
            "/api/v1/users/{id}",
            "users",
            "Update a user (a password resets it)",
            "users.manage",
            Some("UserInput"),
            Some("UserInfo"),
            "200",
            id.clone(),
        ),
        (
            Get,
            "/api/v1/tokens",
            "tokens",
            "Your API tokens",
            "any user",
            None,
            Some("Page"),
            "200",
            none.clone(),
        ),
        (
            Post,
            "/api/v1/tokens",
            "tokens",
            "Create an API token (secret shown once)",
            "any user",
            Some("TokenRequest"),
            Some("NewToken"),
            "201",
            none.clone(),
        ),
        (
            Delete,
            "/api/v1/tokens/{id}",
            "tokens",
            "Revoke an API token",
            "any user",
            None,
            None,
            "204",
            id.clone(),
        ),
        (
            Get,
            "/api/v1/audit",
            "audit",
            "Audit log, newest first",
            "audit.read",
            None,
            Some("Page"),
            "200",
            vec![
                ("entity", ParameterIn::Query, "entity name"),
                ("entity_id", ParameterIn::Query, "record id"),
                ("actor", ParameterIn::Query, "user name"),
                (
                    "action",
                    ParameterIn::Query,
                    "create/update/delete/import/login",
                ),
                ("from", ParameterIn::Query, "RFC 3339"),
                ("to", ParameterIn::Query, "RFC 3339"),
                ("cursor", ParameterIn::Query, "next_cursor"),
                ("limit", ParameterIn::Query, "1–500"),
            ],
        ),
    ];
    let alarm_filters = vec![
        (
            "from",
            ParameterIn::Query,
            "start ≥ (date = Beijing midnight, or RFC 3339)",
        ),
        ("to", ParameterIn::Query, "start <"),
        ("enterprise_id", ParameterIn::Query, "enterprise"),
        ("vehicle_id", ParameterIn::Query, "vehicle"),
        ("plate", ParameterIn::Query, "plate substring"),
        (
            "rule",
            ParameterIn::Query,
            "rule code or family (terminal, fence, ...)",
        ),
        (
            "state",
            ParameterIn::Query,
            "new | handled | escalated | closed",
        ),
        ("severity", ParameterIn::Query, "info | warning | serious"),
        (
            "overdue",
            ParameterIn::Query,
            "escalated and past the deadline",
        ),
        ("open", ParameterIn::Query, "not ended yet"),
        ("cursor", ParameterIn::Query, "next_cursor"),
        ("limit", ParameterIn::Query, "1–500"),
    ];
    let alarm_rows: Vec<Row> = vec![
        (Get, "/api/v1/alarms", "alarms", "Alarms, newest first (officers: own enterprise)", "alarm.read", None, Some("Page"), "200", alarm_filters.clone()),
        (Get, "/api/v1/alarms/stats", "alarms", "Alarm statistics by rule, state, enterprise, hour, day", "alarm.read", None, Some("Stats"), "200", alarm_filters),
        (Get, "/api/v1/alarms/export", "alarms", "The filtered alarms (≤ 100,000) as an Excel workbook with Chinese headers", "alarm.read", None, None, "200", none.clone()),
        (Get, "/api/v1/alarms/notifications", "alarms", "What waits for the caller", "alarm.read", None, Some("Notifications"), "200", none.clone()),
        (Get, "/api/v1/alarms/{id}", "alarms", "An alarm with its history", "alarm.read", None, Some("AlarmDetail"), "200", id.clone()),
        (Get, "/api/v1/alarms/{id}/evidence", "alarms", "Evidence track (5 min around the alarm)", "alarm.read", None, Some("Evidence"), "200", id.clone()),
        (Post, "/api/v1/alarms/{id}/handle", "alarms", "Handle (text_to_driver sends a JT/T 808 0x8300; 409 terminal_unavailable, 504 terminal_timeout)", "alarm.handle", Some("HandleInput"), Some("AlarmDetail"), "200", id.clone()),
        (Post, "/api/v1/alarms/{id}/review", "alarms", "Approve (close) or return a handled alarm", "alarm.supervise", Some("ReviewInput"), Some("AlarmDetail"), "200", id.clone()),
        (Post, "/api/v1/alarms/{id}/escalate", "alarms", "Escalate (督办) with a deadline", "alarm.supervise", Some("EscalateInput"), Some("AlarmDetail"), "200", id.clone()),
        (Post, "/api/v1/alarms/{id}/close", "alarms", "Close directly", "alarm.supervise", Some("CloseInput"), Some("AlarmDetail"), "200", id.clone()),
        (Post, "/api/v1/alarms/{id}/case", "alarms", "Turn into an enforcement case (道路运政)", "alarm.supervise", Some("CaseInput"), Some("Case"), "201", id.clone()),
        (Get, "/api/v1/cases", "alarms", "Enforcement cases", "alarm.read", None, Some("Page"), "200", vec![("violation", ParameterIn::Query, "category"), ("status", ParameterIn::Query, "open | closed"), ("cursor", ParameterIn::Query, "next_cursor"), ("limit", ParameterIn::Query, "1–500")]),
        (Get, "/api/v1/cases/{id}", "alarms", "An enforcement case", "alarm.read", None, Some("Case"), "200", id.clone()),
        (Get, "/api/v1/rules/settings", "rules", "Rule parameters (per vehicle class)", "alarm.read", None, Some("RuleSettings"), "200", none.clone()),
        (Put, "/api/v1/rules/settings", "rules", "Change rule parameters (applied live, audited)", "rules.manage", Some("RuleSettings"), Some("RuleSettings"), "200", none.clone()),
        (Post, "/api/v1/rules/replay", "rules", "The rules over stored tracks (≤ 31 days; not stored)", "alarm.read", Some("ReplayRequest"), Some("Replay"), "200", none.clone()),
        (Get, "/api/v1/geofences", "rules", "Geofences", "alarm.read", None, Some("Geofences"), "200", none.clone()),
        (Post, "/api/v1/geofences", "rules", "Create a geofence (applied live)", "rules.manage", Some("Geofence"), Some("Geofence"), "201", none.clone()),
        (Put, "/api/v1/geofences/{id}", "rules", "Replace a geofence", "rules.manage", Some("Geofence"), Some("Geofence"), "200", id.clone()),
        (Delete, "/api/v1/geofences/{id}", "rules", "Delete a geofence", "rules.manage", None, None, "204", id.clone()),
        (Get, "/api/v1/feed", "alarms", "WebSocket: alarm changes {type:'alarm', event, alarm} (officers: own enterprise)", "alarm.read", None, None, "101", none.clone()),
    ];
    let live_rows: Vec<Row> = vec![
        (Get, "/api/v1/live/vehicles", "live", "Every vehicle's latest fix and state (moving, stopped, offline, never), counts per state", "registry.read", None, Some("LiveSnapshot"), "200", none.clone()),
        (Get, "/api/v1/live/vehicles/{id}", "live", "The vehicle card: registry data, terminal, drivers, latest fix with road and place, today's mileage and alarms", "registry.read", None, Some("VehicleCard"), "200", id.clone()),
        (Get, "/api/v1/dashboard/today", "live", "Today (Beijing): vehicles online by class, positions per minute, alarms by rule and state, enterprises with most alarms waiting", "registry.read", None, Some("Dashboard"), "200", none.clone()),
        (Get, "/api/v1/records/schema", "records", "The registers the caller may read, with their fields (drives the console's generic pages)", "registry.read", None, Some("RecordSchema"), "200", none.clone()),
        (Get, "/api/v1/records/schema/{key}", "records", "One register's declaration", "registry.read", None, None, "200", vec![("key", ParameterIn::Path, "register key")]),
        (Get, "/api/v1/records/{key}/options", "records", "Rows of a register for a reference picker: {items: [{id, label}]} (at most 50)", "registry.read", None, None, "200", vec![("key", ParameterIn::Path, "register key"), ("q", ParameterIn::Query, "substring of the title")]),
        (Get, "/api/v1/figures/projects", "figures", "Key projects: completed investment against the annual plan, cumulative, secured funding, funding gap and gap ratio, per project and by kind; approvals and subsidies (year, through=YYYY-MM)", "registry.read", None, None, "200", vec![("year", ParameterIn::Query, "year (default: this year)"), ("through", ParameterIn::Query, "last month counted, YYYY-MM (default: December)")]),
        (Get, "/api/v1/figures/pavement", "figures", "优良路率 (length graded 优/良 over surveyed length) per road class and county for a survey year", "registry.read", None, None, "200", vec![("year", ParameterIn::Query, "survey year (default: this year)")]),
        (Get, "/api/v1/figures/transport", "figures", "Passenger/freight volume and turnover by mode and county, January to `through`, with YoY %; port throughput with YoY; monthly series; implausible jumps (flags)", "registry.read", None, None, "200", vec![("year", ParameterIn::Query, "year"), ("through", ParameterIn::Query, "last month counted, YYYY-MM")]),
        (Post, "/api/v1/annual-reviews/{id}/review", "records", "Bureau step of an online annual review: {action: check} (submitted → checking), {action: approve, valid_until} (checking → approved; sets the vehicle's review_valid_until), {action: reject, reason}; 409 from the wrong state", "registry.write", None, None, "200", id.clone()),
        (Get, "/api/v1/transit/gtfs", "records", "The operating bus routes as a GTFS feed (zip: agency, stops, routes, trips, stop_times, calendar, frequencies)", "registry.read", None, None, "200", none.clone()),
        (Post, "/api/v1/transit/gtfs", "records", "Import stops, routes and route stops from a GTFS zip (multipart file), all or nothing; 422 import_invalid names file:column and line", "registry.write", Some("multipart"), None, "200", none.clone()),
        (Get, "/api/v1/report/half-year", "report", "The half-year work report (上半年工作总结) of a period computed from the data: format=json (figures with sources, checks: missing figures and figures changed since the last generation, the document), docx (GB/T 9704 layout), html (figures linked to their records) or pdf (needs Chromium, else 503); 422 template_invalid names line and column", "registry.read", None, None, "200", vec![("year", ParameterIn::Query, "year (default: the last closed half year)"), ("half", ParameterIn::Query, "1 or 2"), ("format", ParameterIn::Query, "json | docx | html | pdf")]),
        (Get, "/api/v1/indicators", "indicators", "Assessment indicators (入网率, 上线率, 轨迹完整率, 数据合格率, 漂移率, 平均超速次数, 平均疲劳时长, scores) of a period (from, to: Beijing dates; default this month) per city|region|enterprise|vehicle (group), optionally within enterprise_id or region; officers: their enterprise", "registry.read", None, None, "200", none.clone()),
        (Get, "/api/v1/indicators/trend", "indicators", "The scope's track and record indicators day by day over a period (trend lines)", "registry.read", None, None, "200", none.clone()),
        (Get, "/api/v1/indicators/ranking", "indicators", "Enterprises ranked by one indicator (indicator=online_rate, ...), below-target flagged", "registry.read", None, None, "200", none.clone()),
        (Get, "/api/v1/indicators/notice", "indicators", "The monthly notice (通报, month=YYYY-MM): enterprises below any target with x / y", "registry.read", None, None, "200", none.clone()),
        (Get, "/api/v1/indicators/export", "indicators", "Excel workbook (全市, 区县, 企业, 车辆 sheets with totals) or CSV of one level (format=csv&group=...)", "registry.read", None, None, "200", none.clone()),
        (Get, "/api/v1/indicators/vehicles/{id}/drilldown", "indicators", "The positions behind a vehicle-day (day=YYYY-MM-DD): incomplete segments, unqualified records, drift fixes", "registry.read", None, None, "200", id.clone()),
        (Get, "/api/v1/indicators/settings", "indicators", "Indicator parameters (gap rule, drift, ranges, targets, weights)", "registry.read", None, None, "200", none.clone()),
        (Put, "/api/v1/indicators/settings", "indicators", "Change indicator parameters (audited; stored days become stale until recomputed)", "rules.manage", None, None, "200", none.clone()),
        (Post, "/api/v1/indicators/recompute", "indicators", "Recompute stored days {from, to} (one run at a time; audited)", "rules.manage", Some("RecomputeRequest"), None, "200", none.clone()),
        (Get, "/api/v1/map/sources", "live", "Online basemaps configured in [[map.sources]] (tile URLs, datum wgs84|gcj02)", "registry.read", None, None, "200", none.clone()),
        (Get, "/api/v1/map/basemap", "live", "GeoJSON of the offline basemap (roads, places)", "registry.read", None, None, "200", none.clone()),
        (Get, "/api/v1/vehicles/{id}/track", "live", "A vehicle's track (≤ 7 days; ≤ 20,000 points, thinned beyond) as JSON, or a GPX/KML/CSV/GeoJSON download", "registry.read", None, None, "200", vec![
            ("id", ParameterIn::Path, "vehicle id"),
            ("from", ParameterIn::Query, "date (Beijing midnight) or RFC 3339; default today"),
            ("to", ParameterIn::Query, "default now"),
            ("format", ParameterIn::Query, "json (default) | gpx | kml | csv | geojson"),
        ]),
    ];
    let command_rows: Vec<Row> = vec![
        (Post, "/api/v1/vehicles/{id}/text", "live", "Text read out to the driver (JT/T 808 0x8300); 409 terminal_unavailable, 504 terminal_timeout; audited", "alarm.handle or alarm.supervise", Some("TextInput"), Some("CommandResult"), "200", id.clone()),
        (Post, "/api/v1/vehicles/{id}/locate", "live", "Position query (0x8201); the answer is stored with the track; audited", "alarm.handle or alarm.supervise", None, Some("CommandResult"), "200", id.clone()),
        (Post, "/api/v1/vehicles/{id}/params", "live", "Read the terminal's parameters (0x8104); audited", "alarm.handle or alarm.supervise", None, Some("CommandResult"), "200", id.clone()),
    ];
    let rows = rows
        .into_iter()
        .chain(alarm_rows)
        .chain(live_rows)
        .chain(command_rows);
    for (method, path, tag, summary, permission, body, response, status, params) in rows {
        doc.op(Op {
            method,
            path,
            tag,
            summary: summary.to_string(),
            permission,
            body,
            response,
            status,
            params,
        });
    }
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("Tongtu (通途) API")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some("Transport bureau supervision platform. Errors: {\"error\":{\"code\",\"message\",\"details\"}}."))
                .build(),
        )
        .paths(doc.paths.build())
        .components(Some(doc.components.build()))
        .build()
}

/// A self-contained documentation page (no CDN: the platform runs offline).
pub const DOCS_HTML: &str = r#"<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>Tongtu API</title>
<style>body{font:14px/1.5 system-ui,sans-serif;margin:2em;max-width:1100px}h2{border-bottom:1px solid #ddd}
code{background:#f4f4f4;padding:1px 4px}.op{margin:.3em 0}.m{display:inline-block;width:4.5em;font-weight:bold}
.GET{color:#1a7f37}.POST{color:#0969da}.PUT{color:#9a6700}.DELETE{color:#cf222e}small{color:#666}</style></head>
<body><h1>Tongtu (通途) API v1</h1><p>Machine-readable: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>.
Authenticate with the console session cookie (writes need <code>X-Requested-With: XMLHttpRequest</code>) or
<code>Authorization: Bearer tt_…</code>.</p><div id="ops">loading…</div>
<script>
fetch('/api/v1/openapi.json').then(r=>r.json()).then(doc=>{const by={};
for(const [p,item] of Object.entries(doc.paths))for(const [m,op] of Object.entries(item)){
 if(typeof op!=='object'||!op.summary)continue;const t=(op.tags||['other'])[0];(by[t]=by[t]||[]).push([m.toUpperCase(),p,op]);}
const el=document.getElementById('ops');el.textContent='';
for(const [t,ops] of Object.entries(by)){const h=document.createElement('h2');h.textContent=t;el.appendChild(h);
 for(const [m,p,op] of ops){const d=document.createElement('div');d.className='op';
  const s=document.createElement('span');s.className='m '+m;s.textContent=m;d.appendChild(s);
  const c=document.createElement('code');c.textContent=p;d.appendChild(c);
  d.appendChild(document.createTextNode(' '+op.summary+' '));const sm=document.createElement('small');
  sm.textContent=op.description||'';d.appendChild(sm);el.appendChild(d);}}});
</script></body></html>"#;

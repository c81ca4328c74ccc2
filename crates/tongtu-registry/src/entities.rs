//! The registry's record types: regions (read-only), enterprises, vehicles, drivers and
//! terminals, each declared once for SQL, API, validation and Excel.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::dict::{self, Code};
use crate::error::FieldError;
use crate::record::{Col, ColKind, Filter, Record, Val};
use crate::validate;

/// A list of codes stored comma-separated.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(transparent)]
pub struct CodeList(pub Vec<String>);

impl From<String> for CodeList {
    fn from(s: String) -> Self {
        CodeList(
            s.split(',')
                .filter(|c| !c.is_empty())
                .map(str::to_string)
                .collect(),
        )
    }
}

impl CodeList {
    pub fn joined(&self) -> String {
        self.0.join(",")
    }
}

const fn col(
    name: &'static str,
    zh: &'static str,
    en: &'static str,
    kind: ColKind,
    required: bool,
    example: &'static str,
) -> Col {
    Col {
        name,
        zh,
        en,
        kind,
        required,
        dict: None,
        example,
    }
}

const fn dict_col(
    name: &'static str,
    zh: &'static str,
    en: &'static str,
    kind: ColKind,
    dict: &'static [Code],
    example: &'static str,
) -> Col {
    Col {
        name,
        zh,
        en,
        kind,
        required: true,
        dict: Some(dict),
        example,
    }
}

/// The owning enterprise of vehicles, drivers and terminals (its USCC in Excel).
const OWNER_ENTERPRISE: Col = col(
    "enterprise_id",
    "所属企业（统一社会信用代码）",
    "Enterprise (USCC)",
    ColKind::EnterpriseRef,
    true,
    "91441700MA4UQXK21F",
);

fn text(s: &str) -> Val {
    Val::Text(Some(s.trim().to_string()))
}

fn required(errors: &mut Vec<FieldError>, field: &str, label: &str, value: &str) -> bool {
    if value.trim().is_empty() {
        errors.push(FieldError::new(field, format!("{label}不能为空")));
        false
    } else {
        true
    }
}

fn check_code(errors: &mut Vec<FieldError>, field: &str, label: &str, d: &[Code], value: &str) {
    if !value.is_empty() && !d.iter().any(|c| c.code == value) {
        let allowed: Vec<String> = d
            .iter()
            .map(|c| format!("{}（{}）", c.code, c.zh))
            .collect();
        errors.push(FieldError::new(
            field,
            format!("{label} {value:?} 无效，可选：{}", allowed.join("、")),
        ));
    }
}

fn check_phone(errors: &mut Vec<FieldError>, field: &str, label: &str, value: &str) {
    let digits = value.chars().filter(|c| c.is_ascii_digit()).count();
    if !value
        .chars()
        .all(|c| c.is_ascii_digit() || c == '-' || c == ' ')
        || !(7..=15).contains(&digits)
    {
        errors.push(FieldError::new(
            field,
            format!("{label} {value:?} 无效：应为 7–15 位数字（可含 -）"),
        ));
    }
}

// ---------------------------------------------------------------- regions

/// A district or county of the city.
#[derive(Debug, Clone, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Region {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
}

// ---------------------------------------------------------------- enterprises

#[derive(Debug, Clone, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Enterprise {
    pub id: i64,
    pub name: String,
    /// 统一社会信用代码
    pub uscc: String,
    #[sqlx(try_from = "String")]
    pub business_types: CodeList,
    /// 道路运输经营许可证号
    pub licence_no: String,
    pub region_id: i64,
    pub region_name: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub address: String,
    pub vehicle_count: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EnterpriseInput {
    pub name: String,
    pub uscc: String,
    pub business_types: Vec<String>,
    pub licence_no: String,
    pub region_id: i64,
    pub contact_name: String,
    pub contact_phone: String,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub address: String,
}

impl Record for Enterprise {
    type Input = EnterpriseInput;
    const ENTITY: &'static str = "enterprise";
    const TABLE: &'static str = "enterprises";
    const VIEW: &'static str = "enterprises_v";
    const ZH: &'static str = "企业";
    const COLUMNS: &'static [Col] = &[
        col(
            "name",
            "企业名称",
            "Name",
            ColKind::Text,
            true,
            "阳江市示例客运有限公司",
        ),
        col(
            "uscc",
            "统一社会信用代码",
            "USCC",
            ColKind::Text,
            true,
            "91441700MA4UQXK21F",
        ),
        dict_col(
            "business_types",
            "经营范围",
            "Business types",
            ColKind::CodeList,
            dict::BUSINESS_TYPES,
            "班线客运、旅游包车",
        ),
        col(
            "licence_no",
            "道路运输经营许可证号",
            "Licence number",
            ColKind::Text,
            true,
            "粤交运管许可阳字441700000001号",
        ),
        col(
            "region_id",
            "所属辖区",
            "Region",
            ColKind::RegionRef,
            true,
            "江城区",
        ),
        col(
            "contact_name",
            "联系人",
            "Contact",
            ColKind::Text,
            true,
            "李明",
        ),
        col(
            "contact_phone",
            "联系电话",
            "Contact phone",
            ColKind::Text,
            true,
            "0662-3312345",
        ),
        col(
            "address",
            "地址",
            "Address",
            ColKind::Text,
            false,
            "阳江市江城区东风二路 1 号",
        ),
    ];
    const SEARCH: &'static [&'static str] = &["name", "uscc", "licence_no"];
    const FILTERS: &'static [Filter] = &[
        Filter {
            name: "region_id",
            kind: ColKind::Int,
        },
        Filter {
            name: "business_type",
            kind: ColKind::CodeList,
        },
    ];
    const UNIQUE: &'static [&'static [&'static str]] = &[&["uscc"], &["name"]];
    const BUREAU_ONLY_WRITE: bool = true;

    fn id(&self) -> i64 {
        self.id
    }

    fn values(i: &EnterpriseInput) -> Vec<Val> {
        vec![
            text(&i.name),
            text(&i.uscc),
            Val::Text(Some(CodeList(i.business_types.clone()).joined())),
            text(&i.licence_no),
            Val::Int(Some(i.region_id)),
            text(&i.contact_name),
            text(&i.contact_phone),
            text(&i.address),
        ]
    }

    fn validate(i: &EnterpriseInput) -> Vec<FieldError> {
        let mut e = Vec::new();
        required(&mut e, "name", "企业名称", &i.name);
        if required(&mut e, "uscc", "统一社会信用代码", &i.uscc) {
            if let Err(m) = validate::check_uscc(i.uscc.trim()) {
                e.push(FieldError::new("uscc", m));
            }
        }
        if i.business_types.is_empty() {
            e.push(FieldError::new("business_types", "至少选择一项经营范围"));
        }
        for b in &i.business_types {
            check_code(
                &mut e,
                "business_types",
                "经营范围",
                dict::BUSINESS_TYPES,
                b,
            );
        }
        required(&mut e, "licence_no", "道路运输经营许可证号", &i.licence_no);
        required(&mut e, "contact_name", "联系人", &i.contact_name);
        if required(&mut e, "contact_phone", "联系电话", &i.contact_phone) {
            check_phone(&mut e, "contact_phone", "联系电话", i.contact_phone.trim());
        }
        e
    }

    fn label(i: &EnterpriseInput) -> String {
        i.name.clone()
    }
}

// ---------------------------------------------------------------- vehicles

#[derive(Debug, Clone, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Vehicle {
    pub id: i64,
    pub plate: String,
    pub plate_color: i64,
    pub vin: String,
    pub vehicle_class: String,
    pub seats: Option<i64>,
    pub tonnage_kg: Option<i64>,
    /// 道路运输证号
    pub transport_cert_no: String,
    pub enterprise_id: i64,
    pub enterprise_name: String,
    pub region_id: i64,
    pub status: String,
    pub terminal_phone: Option<String>,
    pub line_km: Option<i64>,
    /// 年审有效期至 (`YYYY-MM-DD`), set by an approved online review application.
    pub review_valid_until: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct VehicleInput {
    pub plate: String,
    pub plate_color: i64,
    pub vin: String,
    pub vehicle_class: String,
    #[serde(default)]
    pub seats: Option<i64>,
    #[serde(default)]
    pub tonnage_kg: Option<i64>,
    pub transport_cert_no: String,
    pub enterprise_id: i64,
    pub status: String,
    #[serde(default)]
    pub line_km: Option<i64>,
}

impl Record for Vehicle {
    type Input = VehicleInput;
    const ENTITY: &'static str = "vehicle";
    const TABLE: &'static str = "vehicles";
    const VIEW: &'static str = "vehicles_v";
    const ZH: &'static str = "车辆";
    const COLUMNS: &'static [Col] = &[
        col("plate", "车牌号", "Plate", ColKind::Text, true, "粤Q12345"),
        col(
            "plate_color",
            "车牌颜色",
            "Plate colour",
            ColKind::PlateColor,
            true,
            "黄",
        ),
        col(
            "vin",
            "车辆识别代号",
            "VIN",
            ColKind::Text,
            true,
            "LSVAM4187C2184847",
        ),
        dict_col(
            "vehicle_class",
            "车辆类型",
            "Vehicle class",
            ColKind::Text,
            dict::VEHICLE_CLASSES,
            "班线客车",
        ),
        col("seats", "核定座位", "Seats", ColKind::Int, false, "45"),
        col(
            "tonnage_kg",
            "核定载质量(kg)",
            "Payload (kg)",
            ColKind::Int,
            false,
            "",
        ),
        col(
            "transport_cert_no",
            "道路运输证号",
            "Transport certificate",
            ColKind::Text,
            true,
            "441702000123",
        ),
        OWNER_ENTERPRISE,
        dict_col(
            "status",
            "营运状态",
            "Status",
            ColKind::Text,
            dict::VEHICLE_STATUSES,
            "营运",
        ),
        col(
            "line_km",
            "班线里程(km)",
            "Line length (km)",
            ColKind::Int,
            false,
            "380",
        ),
    ];
    const SEARCH: &'static [&'static str] = &["plate", "vin", "transport_cert_no"];
    const FILTERS: &'static [Filter] = &[
        Filter {
            name: "enterprise_id",
            kind: ColKind::Int,
        },
        Filter {
            name: "vehicle_class",
            kind: ColKind::Text,
        },
        Filter {
            name: "status",
            kind: ColKind::Text,
        },
        Filter {
            name: "region_id",
            kind: ColKind::Int,
        },
    ];
    const UNIQUE: &'static [&'static [&'static str]] = &[&["plate", "plate_color"], &["vin"]];

    fn id(&self) -> i64 {
        self.id
    }

    fn values(i: &VehicleInput) -> Vec<Val> {
        vec![
            text(&i.plate),
            Val::Int(Some(i.plate_color)),
            Val::Text(Some(i.vin.trim().to_ascii_uppercase())),
            text(&i.vehicle_class),
            Val::Int(i.seats),
            Val::Int(i.tonnage_kg),
            text(&i.transport_cert_no),
            Val::Int(Some(i.enterprise_id)),
            text(&i.status),
            Val::Int(i.line_km),
        ]
    }

    fn validate(i: &VehicleInput) -> Vec<FieldError> {
        let mut e = Vec::new();
        if required(&mut e, "plate", "车牌号", &i.plate) {
            match validate::check_plate(i.plate.trim()) {
                Ok(kind) => {
                    if let Err(m) = validate::check_plate_color(kind, i.plate_color) {
                        e.push(FieldError::new("plate_color", m));
                    }
                }
                Err(m) => e.push(FieldError::new("plate", m)),
            }
        }
        if required(&mut e, "vin", "车辆识别代号", &i.vin) {
            if let Err(m) = validate::check_vin(&i.vin.trim().to_ascii_uppercase()) {
                e.push(FieldError::new("vin", m));
            }
        }
        if required(&mut e, "vehicle_class", "车辆类型", &i.vehicle_class) {
            check_code(
                &mut e,
                "vehicle_class",
                "车辆类型",
                dict::VEHICLE_CLASSES,
                &i.vehicle_class,
            );
        }
        if required(&mut e, "status", "营运状态", &i.status) {
            check_code(
                &mut e,
                "status",
                "营运状态",
                dict::VEHICLE_STATUSES,
                &i.status,
            );
        }
        required(
            &mut e,
            "transport_cert_no",
            "道路运输证号",
            &i.transport_cert_no,
        );
        let passenger = dict::is_passenger_class(&i.vehicle_class);
        match (passenger, i.seats, i.tonnage_kg) {
            (true, None, _) => e.push(FieldError::new("seats", "客运车辆必须填写核定座位")),
            (false, _, None) if !i.vehicle_class.is_empty() => {
                e.push(FieldError::new("tonnage_kg", "货运车辆必须填写核定载质量"))
            }
            _ => {}
        }
        if let Some(s) = i.seats.filter(|s| !(1..=120).contains(s)) {
            e.push(FieldError::new(
                "seats",
                format!("核定座位 {s} 超出范围 1–120"),
            ));
        }
        if let Some(t) = i.tonnage_kg.filter(|t| !(1..=100_000).contains(t)) {
            e.push(FieldError::new(
                "tonnage_kg",
                format!("核定载质量 {t} kg 超出范围 1–100000"),
            ));
        }
        if let Some(l) = i.line_km.filter(|l| !(1..=5_000).contains(l)) {
            e.push(FieldError::new(
                "line_km",
                format!("班线里程 {l} km 超出范围 1–5000"),
            ));
        }
        e
    }

    fn label(i: &VehicleInput) -> String {
        format!("{}（{}）", i.plate, dict::plate_color_zh(i.plate_color))
    }
}

// ---------------------------------------------------------------- drivers

#[derive(Debug, Clone, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Driver {
    pub id: i64,
    pub name: String,
    /// Masked (`441702********1234`) unless the caller may read personal data.
    pub id_number: String,
    pub phone: String,
    /// 从业资格证号
    pub qualification_cert_no: String,
    pub enterprise_id: i64,
    pub enterprise_name: String,
    pub vehicle_id: Option<i64>,
    pub plate: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DriverInput {
    pub name: String,
    /// On update, leaving it out (or sending the masked value back) keeps the stored number.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub id_number: String,
    pub phone: String,
    pub qualification_cert_no: String,
    pub enterprise_id: i64,
    #[serde(default)]
    pub vehicle_id: Option<i64>,
}

impl Record for Driver {
    type Input = DriverInput;
    const ENTITY: &'static str = "driver";
    const TABLE: &'static str = "drivers";
    const VIEW: &'static str = "drivers_v";
    const ZH: &'static str = "驾驶员";
    const COLUMNS: &'static [Col] = &[
        col("name", "姓名", "Name", ColKind::Text, true, "张伟"),
        col(
            "id_number",
            "身份证号",
            "ID number",
            ColKind::Text,
            true,
            "11010519491231002X",
        ),
        col(
            "phone",
            "手机号",
            "Phone",
            ColKind::Text,
            true,
            "13800138000",
        ),
        col(
            "qualification_cert_no",
            "从业资格证号",
            "Qualification certificate",
            ColKind::Text,
            true,
            "4417021990010112345",
        ),
        OWNER_ENTERPRISE,
        col(
            "vehicle_id",
            "驾驶车辆（车牌号）",
            "Vehicle (plate)",
            ColKind::VehicleRef,
            false,
            "",
        ),
    ];
    const SEARCH: &'static [&'static str] = &["name", "qualification_cert_no", "plate"];
    const FILTERS: &'static [Filter] = &[Filter {
        name: "enterprise_id",
        kind: ColKind::Int,
    }];
    const UNIQUE: &'static [&'static [&'static str]] = &[&["id_number"]];

    fn id(&self) -> i64 {
        self.id
    }

    fn values(i: &DriverInput) -> Vec<Val> {
        vec![
            text(&i.name),
            Val::Text(Some(i.id_number.trim().to_ascii_uppercase())),
            text(&i.phone),
            text(&i.qualification_cert_no),
            Val::Int(Some(i.enterprise_id)),
            Val::Int(i.vehicle_id),
        ]
    }

    fn validate(i: &DriverInput) -> Vec<FieldError> {
        let mut e = Vec::new();
        required(&mut e, "name", "姓名", &i.name);
        if required(&mut e, "id_number", "身份证号", &i.id_number) {
            if let Err(m) = validate::check_id_number(&i.id_number.trim().to_ascii_uppercase()) {
                e.push(FieldError::new("id_number", m));
            }
        }
        if required(&mut e, "phone", "手机号", &i.phone) {
            check_phone(&mut e, "phone", "手机号", i.phone.trim());
        }
        required(
            &mut e,
            "qualification_cert_no",
            "从业资格证号",
            &i.qualification_cert_no,
        );
        e
    }

    fn label(i: &DriverInput) -> String {
        i.name.clone()
    }

    fn redact(&mut self) {
        self.id_number = validate::mask_id_number(&self.id_number);
    }

    fn keep_hidden(input: &mut DriverInput, before: &Driver) {
        if input.id_number.trim().is_empty()
            || input.id_number == validate::mask_id_number(&before.id_number)
        {
            input.id_number = before.id_number.clone();
        }
    }
}

// ---------------------------------------------------------------- terminals

#[derive(Debug, Clone, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Terminal {
    pub id: i64,
    /// SIM / phone number used in the JT/T 808 header.
    pub phone: String,
    pub terminal_id: String,
    pub manufacturer: String,
    pub model: String,
    pub protocol_version: String,
    pub vehicle_id: Option<i64>,
    pub plate: Option<String>,
    pub enterprise_id: i64,
    pub enterprise_name: String,
    pub active: bool,
    /// Bound to a vehicle.
    pub bound: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TerminalInput {
    pub phone: String,
    pub terminal_id: String,
    pub manufacturer: String,
    pub model: String,
    pub protocol_version: String,
    pub enterprise_id: i64,
    #[serde(default)]
    pub vehicle_id: Option<i64>,
    #[serde(default = "yes")]
    pub active: bool,
}

/// Optional text fields accept `null` (what forms send for a blank input) as empty.
fn null_as_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}

fn yes() -> bool {
    true
}

impl Record for Terminal {
    type Input = TerminalInput;
    const ENTITY: &'static str = "terminal";
    const TABLE: &'static str = "terminals";
    const VIEW: &'static str = "terminals_v";
    const ZH: &'static str = "终端";
    const COLUMNS: &'static [Col] = &[
        col(
            "phone",
            "SIM 卡号",
            "SIM number",
            ColKind::Text,
            true,
            "013800138000",
        ),
        col(
            "terminal_id",
            "终端 ID",
            "Terminal ID",
            ColKind::Text,
            true,
            "T001234",
        ),
        col(
            "manufacturer",
            "制造商",
            "Manufacturer",
            ColKind::Text,
            true,
            "70111",
        ),
        col("model", "终端型号", "Model", ColKind::Text, true, "YJ-808G"),
        dict_col(
            "protocol_version",
            "协议版本",
            "Protocol version",
            ColKind::Text,
            dict::PROTOCOL_VERSIONS,
            "2013",
        ),
        OWNER_ENTERPRISE,
        col(
            "vehicle_id",
            "绑定车辆（车牌号）",
            "Vehicle (plate)",
            ColKind::VehicleRef,
            false,
            "",
        ),
        col("active", "启用", "Active", ColKind::Bool, true, "是"),
    ];
    const SEARCH: &'static [&'static str] = &["phone", "terminal_id", "plate"];
    const FILTERS: &'static [Filter] = &[
        Filter {
            name: "enterprise_id",
            kind: ColKind::Int,
        },
        Filter {
            name: "active",
            kind: ColKind::Bool,
        },
        Filter {
            name: "bound",
            kind: ColKind::Bool,
        },
    ];
    const UNIQUE: &'static [&'static [&'static str]] = &[&["phone"]];

    fn id(&self) -> i64 {
        self.id
    }

    fn values(i: &TerminalInput) -> Vec<Val> {
        vec![
            text(&i.phone),
            text(&i.terminal_id),
            text(&i.manufacturer),
            text(&i.model),
            text(&i.protocol_version),
            Val::Int(Some(i.enterprise_id)),
            Val::Int(i.vehicle_id),
            Val::Bool(i.active),
        ]
    }

    fn validate(i: &TerminalInput) -> Vec<FieldError> {
        let mut e = Vec::new();
        if required(&mut e, "protocol_version", "协议版本", &i.protocol_version) {
            check_code(
                &mut e,
                "protocol_version",
                "协议版本",
                dict::PROTOCOL_VERSIONS,
                &i.protocol_version,
            );
        }
        if required(&mut e, "phone", "SIM 卡号", &i.phone) {
            if let Err(m) = validate::check_terminal_phone(i.phone.trim(), &i.protocol_version) {
                e.push(FieldError::new("phone", m));
            }
        }
        // Field widths of the 0x0100 register body: 7 bytes (2011), 7 (2013), 30 (2019).
        let id_max = if i.protocol_version == "2019" { 30 } else { 7 };
        if required(&mut e, "terminal_id", "终端 ID", &i.terminal_id)
            && i.terminal_id.trim().len() > id_max
        {
            e.push(FieldError::new(
                "terminal_id",
                format!(
                    "终端 ID 最长 {id_max} 字节（JT/T 808-{}）",
                    i.protocol_version
                ),
            ));
        }
        required(&mut e, "manufacturer", "制造商", &i.manufacturer);
        required(&mut e, "model", "终端型号", &i.model);
        e
    }

    fn label(i: &TerminalInput) -> String {
        i.phone.clone()
    }
}

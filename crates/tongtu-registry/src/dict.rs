//! Code dictionaries shared by the API, the console and Excel sheets.

use serde::Serialize;

#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
pub struct Code {
    pub code: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
}

const fn c(code: &'static str, zh: &'static str, en: &'static str) -> Code {
    Code { code, zh, en }
}

pub const VEHICLE_CLASSES: &[Code] = &[
    c("coach", "班线客车", "Scheduled coach"),
    c("charter_bus", "旅游包车", "Tourist charter bus"),
    c("hazmat", "危险货物运输车", "Hazardous-goods vehicle"),
    c("heavy_truck", "重型载货汽车", "Heavy truck"),
    c("tractor", "半挂牵引车", "Semi-trailer tractor"),
    c("truck", "普通货车", "Truck"),
    c("taxi", "出租汽车", "Taxi"),
    c("bus", "公交车", "City bus"),
];

pub const BUSINESS_TYPES: &[Code] = &[
    c("scheduled_passenger", "班线客运", "Scheduled passenger"),
    c("charter", "旅游包车", "Tourist charter"),
    c("hazmat", "危险货物运输", "Hazardous goods"),
    c("general_freight", "普通货运", "General freight"),
    c("taxi", "出租客运", "Taxi"),
    c("bus", "公交客运", "Public bus"),
];

pub const VEHICLE_STATUSES: &[Code] = &[
    c("active", "营运", "In operation"),
    c("suspended", "停运", "Suspended"),
    c("scrapped", "报废", "Scrapped"),
];

pub const PROTOCOL_VERSIONS: &[Code] = &[
    c("2011", "JT/T 808-2011", "JT/T 808-2011"),
    c("2013", "JT/T 808-2013", "JT/T 808-2013"),
    c("2019", "JT/T 808-2019", "JT/T 808-2019"),
];

/// Plate colour codes (JT/T 697.7).
pub const PLATE_COLORS: &[(i64, &str, &str)] = &[
    (1, "蓝", "Blue"),
    (2, "黄", "Yellow"),
    (3, "黑", "Black"),
    (4, "白", "White"),
    (5, "绿", "Green"),
    (9, "其他", "Other"),
];

/// Vehicle classes that carry passengers (两客).
pub fn is_passenger_class(code: &str) -> bool {
    matches!(code, "coach" | "charter_bus" | "taxi" | "bus")
}

/// Finds a code by its code or its Chinese label (Excel sheets use labels).
pub fn lookup<'a>(dict: &'a [Code], value: &str) -> Option<&'a Code> {
    let v = value.trim();
    dict.iter().find(|c| c.code == v || c.zh == v)
}

pub fn plate_color_from(value: &str) -> Option<i64> {
    let v = value.trim();
    PLATE_COLORS
        .iter()
        .find(|(code, zh, en)| {
            code.to_string() == v
                || *zh == v
                || format!("{zh}色") == v
                || en.eq_ignore_ascii_case(v)
        })
        .map(|(code, _, _)| *code)
}

pub fn plate_color_zh(code: i64) -> &'static str {
    PLATE_COLORS
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, zh, _)| *zh)
        .unwrap_or("?")
}

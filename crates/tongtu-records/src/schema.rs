//! The declarations as JSON, for the API's schema endpoint and the console's generic pages
//! (see docs/records-api.md), limited to the registers a caller may read.

use serde_json::{json, Value};
use tongtu_registry::Principal;

use crate::decl::{Access, Field, Kind, Register, Rule, GROUPS};
use crate::store;

fn field(f: &Field) -> Value {
    let (min, max, scale, max_len) = match f.kind {
        Kind::Int { min, max } => (min.map(|v| json!(v)), max.map(|v| json!(v)), None, None),
        Kind::Num { scale, min, max } => (
            min.map(|v| json!(v)),
            max.map(|v| json!(v)),
            Some(scale),
            None,
        ),
        Kind::Text { max } => (None, None, None, Some(max)),
        _ => (None, None, None, None),
    };
    json!({
        "key": f.key,
        "zh": f.zh,
        "en": f.en,
        "kind": f.kind.name(),
        "unit": f.unit,
        "required": f.required,
        "list": f.list,
        "filter": f.filter,
        "help": f.help,
        "min": min,
        "max": max,
        "scale": scale,
        "max_len": max_len,
        "codes": match f.kind { Kind::Code(d) => json!(d.codes), _ => Value::Null },
        "ref": match f.kind { Kind::Ref(t) => json!(t), _ => Value::Null },
    })
}

/// One register's schema as seen by `p`.
pub fn register(p: &Principal, r: &Register) -> Value {
    let (access, access_field) = match r.access {
        Access::Bureau => ("bureau", None),
        Access::Public => ("public", None),
        Access::Enterprise(f) => ("enterprise", Some(f)),
    };
    json!({
        "key": r.key,
        "zh": r.zh,
        "en": r.en,
        "group": r.group,
        "about": r.about,
        "title": r.title,
        "access": access,
        "access_field": access_field,
        "writable": store::writable(p, r),
        "order": {"field": r.order.0, "desc": r.order.1},
        "unique": r.unique,
        "rules": r.rules.iter().map(rule).collect::<Vec<_>>(),
        "fields": r.fields.iter().map(field).collect::<Vec<_>>(),
    })
}

/// A rule between two fields, for forms that check it before sending.
fn rule(r: &Rule) -> Value {
    match *r {
        Rule::NotBefore { from, to } => json!({"kind": "not_before", "from": from, "to": to}),
        Rule::AtMost { part, whole } => json!({"kind": "at_most", "part": part, "whole": whole}),
    }
}

/// Every register `p` may read, with the navigation groups that have one.
pub fn all(p: &Principal, registers: &[Register]) -> Value {
    let visible: Vec<&Register> = registers
        .iter()
        .filter(|r| store::check_read(p, r).is_ok())
        .collect();
    let groups: Vec<_> = GROUPS
        .iter()
        .filter(|g| visible.iter().any(|r| r.group == g.key))
        .collect();
    json!({
        "groups": groups,
        "registers": visible.iter().map(|r| register(p, r)).collect::<Vec<_>>(),
    })
}

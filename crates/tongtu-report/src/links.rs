//! Where the records behind a figure are shown in the console. A figure over one register
//! whose condition is a conjunction of simple comparisons on the register's declared filters
//! (`mode = 'road' AND month >= :from_month AND month <= :to_month`) links to the register's
//! list with exactly those filters, so the list shows the same records the figure counts.
//! Anything else (joins, subqueries, OR, IN) links to the unfiltered register: a partial
//! filter would show a different set of records than the figure's, which is worse than none.

use tongtu_records::decl::{Field, Kind, Register};

use crate::figures::Figure;
use crate::period::{ParamValue, Period};

/// The console page of a source (a register key, `vehicles` or `alarms`), unfiltered.
pub fn source_link(source: &str) -> String {
    match source {
        "vehicles" => "/#/vehicles".to_string(),
        "alarms" => "/#/alarms".to_string(),
        key => match tongtu_records::registers::get(key) {
            Some(r) => format!("/#/records/{}?r={}", r.group, r.key),
            None => String::new(),
        },
    }
}

/// Where one record of a register is shown in the console.
pub fn record_link(source: &str, record: i64) -> String {
    match tongtu_records::registers::get(source) {
        Some(r) => format!("/#/records/{}?r={}&id={record}", r.group, r.key),
        None => String::new(),
    }
}

/// The figure's records in the console: filtered when its condition allows, else the
/// register's page. The second value says whether the link is filtered.
pub fn figure_link(f: &Figure, period: &Period) -> (String, bool) {
    let base = source_link(f.source);
    match tongtu_records::registers::get(f.source).and_then(|r| filters(r, f.from, period)) {
        Some(params) if !params.is_empty() => {
            let mut link = base;
            for (k, v) in params {
                link.push('&');
                link.push_str(&k);
                link.push('=');
                link.push_str(&encode(&v));
            }
            (link, true)
        }
        Some(_) => (base, true),
        None => (base, false),
    }
}

/// The list filters equivalent to `from`, or `None` when it has no exact equivalent.
pub fn filters(r: &Register, from: &str, period: &Period) -> Option<Vec<(String, String)>> {
    let rest = from.strip_prefix(&format!("rec_{} ", r.key))?;
    let Some(cond) = rest.strip_prefix("WHERE ") else {
        return rest.trim().is_empty().then(Vec::new);
    };
    if cond.contains('(') || cond.contains(" OR ") {
        return None;
    }
    let mut out = Vec::new();
    for part in cond.split(" AND ") {
        let mut words = part.split_whitespace();
        let (Some(col), Some(op), Some(val), None) =
            (words.next(), words.next(), words.next(), words.next())
        else {
            return None;
        };
        let field = r.field(col).filter(|f| f.filter)?;
        let value = literal(field, val, period)?;
        let ranged = matches!(
            field.kind,
            Kind::Date | Kind::Month | Kind::Int { .. } | Kind::Num { .. }
        );
        match op {
            "=" => out.push((col.to_string(), value)),
            ">=" if ranged => out.push((format!("{col}_from"), value)),
            "<=" if ranged => out.push((format!("{col}_to"), value)),
            _ => return None,
        }
    }
    Some(out)
}

/// A condition's right-hand side as a filter value: a `:parameter`, a quoted string without
/// quotes inside, an integer (0/1 for booleans).
fn literal(field: &Field, val: &str, period: &Period) -> Option<String> {
    if let Some(name) = val.strip_prefix(':') {
        return Some(match period.param(name)? {
            ParamValue::Int(i) => i.to_string(),
            ParamValue::Text(t) => t,
        });
    }
    if let Some(s) = val.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')) {
        return (!s.contains('\'')).then(|| s.to_string());
    }
    let n: i64 = val.parse().ok()?;
    Some(match field.kind {
        Kind::Bool if n == 1 => "true".to_string(),
        Kind::Bool if n == 0 => "false".to_string(),
        Kind::Bool => return None,
        _ => n.to_string(),
    })
}

/// Percent-encodes a query value (UTF-8 bytes outside the unreserved set).
fn encode(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::figures::FIGURES;

    fn period() -> Period {
        Period::new(2026, 1).expect("period")
    }

    fn fig(id: &str) -> &'static Figure {
        crate::figures::get(id).expect("figure")
    }

    #[test]
    fn simple_conditions_become_the_lists_filters() {
        assert_eq!(
            figure_link(fig("road_passengers"), &period()),
            (
                "/#/records/stats?r=transport_stats&mode=road&month_from=2026-01&month_to=2026-06"
                    .to_string(),
                true
            )
        );
        assert_eq!(
            figure_link(fig("subsidies_total"), &period()).0,
            "/#/records/projects?r=subsidies&year=2026"
        );
    }

    #[test]
    fn anything_else_links_to_the_whole_register() {
        // A join over projects.
        let (link, filtered) = figure_link(fig("investment_railway"), &period());
        assert!(!filtered && !link.contains('&'), "{link}");
        // OR inside parentheses.
        assert!(!figure_link(fig("road_passengers_yoy"), &period()).1);
        // IN (...).
        assert!(!figure_link(fig("checkpoints_expressway"), &period()).1);
    }

    #[test]
    fn every_filtered_link_names_declared_filters_only() {
        let mut filtered = 0;
        for f in FIGURES {
            let (link, ok) = figure_link(f, &period());
            if ok {
                filtered += 1;
                let r = tongtu_records::registers::get(f.source).expect("register");
                for kv in link.split('&').skip(1) {
                    let key = kv.split('=').next().unwrap_or_default();
                    let field = key
                        .strip_suffix("_from")
                        .or_else(|| key.strip_suffix("_to"))
                        .unwrap_or(key);
                    assert!(r.field(field).is_some_and(|x| x.filter), "{}: {key}", f.id);
                }
            }
        }
        eprintln!(
            "{filtered} of {} figures have filtered links",
            FIGURES.len()
        );
        assert!(filtered >= 20, "{filtered} figures with filtered links");
    }

    #[test]
    fn values_are_encoded() {
        assert_eq!(encode("道路 a&b"), "%E9%81%93%E8%B7%AF%20a%26b");
    }
}

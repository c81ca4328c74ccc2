//! The declaration of a register: its fields (type, unit, labels, validation, dictionary),
//! natural keys, who may see it and how it is listed. Everything else (the SQL table, the
//! API's JSON schema, the Excel template, import and export, the console's pages) is derived
//! from these static values; see [`crate::REGISTERS`].

use serde::Serialize;
pub use tongtu_registry::dict::Code;

/// A named list of codes a field may take (stored as the code, shown by its label).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Dict {
    pub key: &'static str,
    pub codes: &'static [Code],
}

impl Dict {
    pub fn find(&self, code: &str) -> Option<&'static Code> {
        self.codes.iter().find(|c| c.code == code)
    }

    /// A code by its code, Chinese or English label (how people type it in a sheet).
    pub fn lookup(&self, text: &str) -> Option<&'static Code> {
        let t = text.trim();
        self.codes
            .iter()
            .find(|c| c.code == t || c.zh == t || c.en.eq_ignore_ascii_case(t))
    }
}

/// How a field is typed in SQL, JSON and Excel.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// Text of at most `max` characters.
    Text {
        max: u32,
    },
    /// An integer within the bounds.
    Int {
        min: Option<i64>,
        max: Option<i64>,
    },
    /// A decimal rounded to `scale` places, within the bounds.
    Num {
        scale: u8,
        min: Option<f64>,
        max: Option<f64>,
    },
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    /// A calendar month, `YYYY-MM` (monthly statistics).
    Month,
    Bool,
    /// One code of the dictionary.
    Code(&'static Dict),
    /// A region (county/district) of the registry: its id in SQL and JSON, its name in sheets.
    Region,
    /// A transport enterprise of the registry: its id in SQL and JSON, its USCC or name in sheets.
    Enterprise,
    /// A vehicle of the registry: its id in SQL and JSON, its plate in sheets.
    Vehicle,
    /// A row of another register (declared before this one): its id in SQL and JSON, the
    /// other register's title field in sheets.
    Ref(&'static str),
}

impl Kind {
    /// The kind's name in the schema endpoint.
    pub fn name(&self) -> &'static str {
        match self {
            Kind::Text { max } if *max > 500 => "long_text",
            Kind::Text { .. } => "text",
            Kind::Int { .. } => "int",
            Kind::Num { .. } => "num",
            Kind::Date => "date",
            Kind::Month => "month",
            Kind::Bool => "bool",
            Kind::Code(_) => "code",
            Kind::Region => "region",
            Kind::Enterprise => "enterprise",
            Kind::Vehicle => "vehicle",
            Kind::Ref(_) => "ref",
        }
    }

    /// Whether the value is an id of something else (region, enterprise, vehicle, row).
    pub fn is_reference(&self) -> bool {
        matches!(
            self,
            Kind::Region | Kind::Enterprise | Kind::Vehicle | Kind::Ref(_)
        )
    }
}

/// Text up to 100 characters.
pub const TEXT: Kind = Kind::Text { max: 100 };
/// Text up to 2,000 characters (descriptions, causes, results).
pub const LONG: Kind = Kind::Text { max: 2000 };
/// A count (≥ 0).
pub const COUNT: Kind = Kind::Int {
    min: Some(0),
    max: None,
};
/// A year.
pub const YEAR: Kind = Kind::Int {
    min: Some(1990),
    max: Some(2100),
};
/// An amount ≥ 0 with two decimals (money in 万元, tonnes in 万吨, km).
pub const AMOUNT: Kind = Kind::Num {
    scale: 2,
    min: Some(0.0),
    max: None,
};
/// A percentage 0–100 with one decimal.
pub const PERCENT: Kind = Kind::Num {
    scale: 1,
    min: Some(0.0),
    max: Some(100.0),
};

/// One field of a register.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// Column name in SQL and key in JSON (snake_case ASCII).
    pub key: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    pub kind: Kind,
    /// Unit shown after the label (`万元`, `km`, `万吨`).
    pub unit: Option<&'static str>,
    pub required: bool,
    /// Shown as a column of the console's list.
    pub list: bool,
    /// Offered as a filter of the list (codes, references, dates and months as ranges).
    pub filter: bool,
    /// A hint for the form and the template's instruction sheet.
    pub help: Option<&'static str>,
}

/// A field: `f("name", "名称", "Name", TEXT).req().list()`.
pub const fn f(key: &'static str, zh: &'static str, en: &'static str, kind: Kind) -> Field {
    Field {
        key,
        zh,
        en,
        kind,
        unit: None,
        required: false,
        list: false,
        filter: false,
        help: None,
    }
}

impl Field {
    pub const fn req(mut self) -> Field {
        self.required = true;
        self
    }
    pub const fn list(mut self) -> Field {
        self.list = true;
        self
    }
    pub const fn filter(mut self) -> Field {
        self.filter = true;
        self
    }
    pub const fn unit(mut self, unit: &'static str) -> Field {
        self.unit = Some(unit);
        self
    }
    pub const fn help(mut self, help: &'static str) -> Field {
        self.help = Some(help);
        self
    }

    /// The Excel header: label, unit in brackets, `*` when required (`总投资（万元）*`).
    pub fn header(&self) -> String {
        let mut h = self.zh.to_string();
        if let Some(u) = self.unit {
            h.push('（');
            h.push_str(u);
            h.push('）');
        }
        if self.required {
            h.push('*');
        }
        h
    }
}

/// Who may see and change a register.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Bureau users only; enterprise users get 403 (projects, cases, funding...).
    Bureau,
    /// Every signed-in user reads; the bureau writes (transit routes, stations).
    Public,
    /// Rows belong to the enterprise in this field: enterprise users read and write their
    /// own rows only; the bureau sees all (annual review applications).
    Enterprise(&'static str),
}

/// A register, declared once.
#[derive(Debug, Clone, Copy)]
pub struct Register {
    /// URL segment and table suffix (`projects` → table `rec_projects`).
    pub key: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    /// Navigation group (see [`GROUPS`]).
    pub group: &'static str,
    /// What the register holds, for the console's page and the template.
    pub about: &'static str,
    pub fields: &'static [Field],
    /// The field naming a row (in references, sheets and the audit log).
    pub title: &'static str,
    /// Field sets that must be unique; the first is the natural key an import matches on.
    pub unique: &'static [&'static [&'static str]],
    pub access: Access,
    /// Default order of the list: a field, newest first when `true`.
    pub order: (&'static str, bool),
    /// Relations between fields of a row, checked on every write and import.
    pub rules: &'static [Rule],
}

/// A relation between two fields of one row, checked when both are filled in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rule {
    /// The date or month `to` is not before `from` (an end after its start).
    NotBefore {
        from: &'static str,
        to: &'static str,
    },
    /// The number `part` is at most `whole` (resumed of those expected to resume).
    AtMost {
        part: &'static str,
        whole: &'static str,
    },
}

impl Register {
    pub fn table(&self) -> String {
        format!("rec_{}", self.key)
    }

    pub fn field(&self, key: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.key == key)
    }

    pub fn title_field(&self) -> &'static Field {
        self.field(self.title).unwrap_or(&self.fields[0])
    }

    /// The natural key an import matches rows on, if any.
    pub fn natural_key(&self) -> Option<&'static [&'static str]> {
        self.unique.first().copied()
    }
}

/// A navigation group of registers.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Group {
    pub key: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
}

pub const GROUPS: &[Group] = &[
    Group {
        key: "projects",
        zh: "重点项目与资金",
        en: "Projects and funding",
    },
    Group {
        key: "roads",
        zh: "农村公路与桥梁路面",
        en: "Rural roads, bridges, pavement",
    },
    Group {
        key: "port",
        zh: "港口航运",
        en: "Port and shipping",
    },
    Group {
        key: "stats",
        zh: "运输统计",
        en: "Transport statistics",
    },
    Group {
        key: "enforcement",
        zh: "执法检查",
        en: "Enforcement",
    },
    Group {
        key: "safety",
        zh: "安全生产",
        en: "Safety",
    },
    Group {
        key: "transit",
        zh: "公交与客运站",
        en: "Transit and stations",
    },
    Group {
        key: "services",
        zh: "政务服务与防疫",
        en: "Services and epidemic work",
    },
    Group {
        key: "worklog",
        zh: "大事记",
        en: "Work log",
    },
];

/// Checks a set of declarations: unique keys, snake_case identifiers (they become SQL
/// identifiers), titles, keys and orders naming declared fields, references to registers
/// declared earlier, known groups. Returns every problem, one line each.
pub fn check(registers: &[Register]) -> Vec<String> {
    let mut problems = Vec::new();
    let ident = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            && s.as_bytes()[0].is_ascii_lowercase()
    };
    const RESERVED: &[&str] = &["id", "created_at", "updated_at", "created_by", "updated_by"];
    for (i, r) in registers.iter().enumerate() {
        if !ident(r.key) {
            problems.push(format!(
                "register {:?}: key must be snake_case ASCII",
                r.key
            ));
        }
        if registers[..i].iter().any(|o| o.key == r.key) {
            problems.push(format!("register {:?}: declared twice", r.key));
        }
        if !GROUPS.iter().any(|g| g.key == r.group) {
            problems.push(format!("register {}: unknown group {:?}", r.key, r.group));
        }
        if r.fields.is_empty() {
            problems.push(format!("register {}: no fields", r.key));
        }
        for (j, f) in r.fields.iter().enumerate() {
            let at = format!("register {}, field {:?}", r.key, f.key);
            if !ident(f.key) || RESERVED.contains(&f.key) {
                problems.push(format!("{at}: not a usable column name"));
            }
            if r.fields[..j].iter().any(|o| o.key == f.key) {
                problems.push(format!("{at}: declared twice"));
            }
            if let Kind::Ref(target) = f.kind {
                match registers[..i].iter().find(|o| o.key == target) {
                    None => problems.push(format!(
                        "{at}: refers to {target:?}, which is not declared before it"
                    )),
                    // Sheets name the referenced row by its title: it must be text and
                    // unique on its own.
                    Some(t) => {
                        let text =
                            matches!(t.field(t.title).map(|x| x.kind), Some(Kind::Text { .. }));
                        let unique = t.unique.iter().any(|k| *k == [t.title]);
                        if !text || !unique {
                            problems.push(format!(
                                "{at}: {target}'s title {:?} must be a text field declared unique on its own",
                                t.title
                            ));
                        }
                    }
                }
            }
            if let Kind::Code(d) = f.kind {
                if d.codes.is_empty() {
                    problems.push(format!("{at}: dictionary {} is empty", d.key));
                }
            }
        }
        if r.field(r.title).is_none() {
            problems.push(format!(
                "register {}: title {:?} is not a field",
                r.key, r.title
            ));
        }
        if r.field(r.order.0).is_none() {
            problems.push(format!(
                "register {}: order {:?} is not a field",
                r.key, r.order.0
            ));
        }
        for key in r.unique {
            for k in *key {
                if r.field(k).is_none() {
                    problems.push(format!(
                        "register {}: unique key names {k:?}, not a field",
                        r.key
                    ));
                }
            }
        }
        for rule in r.rules {
            let (a, b, dates) = match *rule {
                Rule::NotBefore { from, to } => (from, to, true),
                Rule::AtMost { part, whole } => (part, whole, false),
            };
            let kinds = (r.field(a).map(|f| f.kind), r.field(b).map(|f| f.kind));
            let ok = match kinds {
                (Some(x), Some(y)) if dates => {
                    matches!(
                        (x, y),
                        (Kind::Date, Kind::Date) | (Kind::Month, Kind::Month)
                    )
                }
                (Some(x), Some(y)) => {
                    matches!(x, Kind::Int { .. } | Kind::Num { .. })
                        && matches!(y, Kind::Int { .. } | Kind::Num { .. })
                }
                _ => false,
            };
            if !ok {
                problems.push(format!(
                    "register {}: rule {rule:?} needs two {} fields",
                    r.key,
                    if dates { "date (or month)" } else { "number" }
                ));
            }
        }
        if let Access::Enterprise(k) = r.access {
            if !matches!(r.field(k).map(|f| f.kind), Some(Kind::Enterprise)) {
                problems.push(format!(
                    "register {}: access by {k:?}, which is not an enterprise field",
                    r.key
                ));
            }
        }
    }
    problems
}

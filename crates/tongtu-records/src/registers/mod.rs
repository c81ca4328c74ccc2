//! The declarations of every register, by navigation group. Order matters: a register may
//! refer (`Kind::Ref`) only to registers listed before it.

use std::sync::LazyLock;

use crate::decl::Register;

pub mod enforcement;
pub mod port;
pub mod projects;
pub mod roads;
pub mod safety;
pub mod services;
pub mod stats;
pub mod transit;
pub mod worklog;

static ALL: LazyLock<Vec<Register>> = LazyLock::new(|| {
    [
        projects::REGISTERS,
        roads::REGISTERS,
        port::REGISTERS,
        stats::REGISTERS,
        enforcement::REGISTERS,
        safety::REGISTERS,
        transit::REGISTERS,
        services::REGISTERS,
        worklog::REGISTERS,
    ]
    .concat()
});

/// Every register, parents before the registers that refer to them.
pub fn all() -> &'static [Register] {
    &ALL
}

/// A register by its key.
pub fn get(key: &str) -> Option<&'static Register> {
    all().iter().find(|r| r.key == key)
}

#[cfg(test)]
mod tests {
    #[test]
    fn declarations_are_consistent() {
        let problems = crate::decl::check(super::all());
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }
}

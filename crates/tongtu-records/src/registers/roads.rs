//! (declarations pending)

use crate::decl::Register;

pub const REGISTERS: &[Register] = &[];

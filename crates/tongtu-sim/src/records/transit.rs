//! (demo rows pending)

use super::{Batch, Ctx};

pub fn generate(_ctx: &Ctx) -> Vec<Batch> {
    Vec::new()
}

//! 0x0108 terminal upgrade result notification: upgrade target and outcome.

use crate::cursor::{Put, Reader};
use crate::error::DecodeError;

/// Body of 0x0108.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct UpgradeResult {
    /// 0 terminal, 12 road transport IC card reader, 52 GNSS module.
    pub upgrade_type: u8,
    /// 0 success, 1 failure, 2 cancelled.
    pub result: u8,
}

impl UpgradeResult {
    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(UpgradeResult {
            upgrade_type: r.u8("upgrade type")?,
            result: r.u8("upgrade result")?,
        })
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        out.put_u8(self.upgrade_type);
        out.put_u8(self.result);
    }
}

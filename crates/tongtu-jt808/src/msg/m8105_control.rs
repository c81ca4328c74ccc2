//! 0x8105 terminal control: a command word and its semicolon-separated GBK parameters
//! (wireless upgrade URL, server switch, power off, reset, factory reset, ...).

use crate::cursor::{Put, Reader};
use crate::error::{DecodeError, EncodeError};

/// Body of 0x8105.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct TerminalControl {
    /// 1 wireless upgrade, 2 connect to server, 3 power off, 4 reset, 5 factory reset,
    /// 6 close data link, 7 close all wireless links.
    pub command: u8,
    /// Command parameters as sent (fields separated by `;`), empty when none.
    pub params: String,
}

impl TerminalControl {
    /// The parameter fields.
    pub fn fields(&self) -> impl Iterator<Item = &str> {
        self.params.split(';')
    }

    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(TerminalControl {
            command: r.u8("command")?,
            params: r.gbk_rest("command parameters")?,
        })
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        out.put_u8(self.command);
        out.put_gbk(&self.params, "command parameters")
    }
}

//! 0x8100 terminal registration response: serial of the 0x0100, result, and the auth
//! code (only sent on success).

use crate::cursor::{Put, Reader};
use crate::error::{DecodeError, EncodeError};

/// Body of 0x8100.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct RegisterResponse {
    /// Serial of the 0x0100 being answered.
    pub reply_serial: u16,
    /// Result code (see [`RegisterResult`]).
    pub result: u8,
    /// Auth code; `None` when the body stops after the result (or holds only NULs).
    pub auth_code: Option<String>,
}

/// Registration result codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum RegisterResult {
    /// 0: registered.
    Success = 0,
    /// 1: vehicle already registered.
    VehicleRegistered = 1,
    /// 2: no such vehicle in the database.
    NoSuchVehicle = 2,
    /// 3: terminal already registered.
    TerminalRegistered = 3,
    /// 4: no such terminal in the database.
    NoSuchTerminal = 4,
}

impl RegisterResponse {
    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let reply_serial = r.u16("reply serial")?;
        let result = r.u8("result")?;
        // NUL padding alone counts as no code, so the value re-encodes the same way.
        let auth_code = Some(r.gbk_rest("auth code")?).filter(|c| !c.is_empty());
        Ok(RegisterResponse {
            reply_serial,
            result,
            auth_code,
        })
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        out.put_u16(self.reply_serial);
        out.put_u8(self.result);
        if let Some(code) = &self.auth_code {
            out.put_gbk(code, "auth code")?;
        }
        Ok(())
    }
}

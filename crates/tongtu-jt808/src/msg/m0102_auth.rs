//! 0x0102 terminal authentication: the auth code alone before 2019; in 2019 a
//! length-prefixed auth code, the IMEI (15 bytes) and the software version (20 bytes).

use crate::cursor::{Put, Reader};
use crate::error::{DecodeError, EncodeError};
use crate::header::ProtocolVersion;

/// Body of 0x0102.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Auth {
    /// Auth code received in 0x8100.
    pub auth_code: String,
    /// IMEI (2019 only; empty before).
    pub imei: String,
    /// Software version (2019 only; empty before).
    pub software_version: String,
}

impl Auth {
    pub(crate) fn decode(r: &mut Reader<'_>, v: ProtocolVersion) -> Result<Self, DecodeError> {
        if !v.is_2019() {
            return Ok(Auth {
                auth_code: r.gbk_rest("auth code")?,
                imei: String::new(),
                software_version: String::new(),
            });
        }
        Ok(Auth {
            auth_code: r.gbk_u8("auth code")?,
            imei: r.gbk_fixed(15, "IMEI")?,
            software_version: r.gbk_fixed(20, "software version")?,
        })
    }

    pub(crate) fn encode(&self, v: ProtocolVersion, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        if !v.is_2019() {
            return out.put_gbk(&self.auth_code, "auth code");
        }
        out.put_gbk_u8(&self.auth_code, "auth code")?;
        out.put_gbk_fixed(&self.imei, 15, "IMEI")?;
        out.put_gbk_fixed(&self.software_version, 20, "software version")
    }
}

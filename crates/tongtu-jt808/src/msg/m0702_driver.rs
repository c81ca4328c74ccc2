//! 0x0702 driver identity report (IC card inserted or removed). Later fields are present
//! only for an inserted card that was read successfully; 2019 appends the ID card number.

use chrono::{NaiveDate, NaiveDateTime};

use crate::cursor::{Put, Reader};
use crate::error::{DecodeError, EncodeError};
use crate::header::ProtocolVersion;
use crate::text::date_to_bcd;

/// Body of 0x0702.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct DriverIdentity {
    /// 1 card inserted (on duty), 2 card removed (off duty).
    pub status: u8,
    /// Insertion/removal time, device local time.
    pub time: Option<NaiveDateTime>,
    /// Card read result and details (present when the body goes on after the time).
    pub card: Option<DriverCard>,
}

/// IC card read outcome.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct DriverCard {
    /// 0 read ok; 1 key mismatch; 2 card locked; 3 card pulled out; 4 checksum error.
    pub read_result: u8,
    /// Driver details (present when the body goes on after the read result).
    pub details: Option<DriverDetails>,
}

/// Driver details read from the card.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct DriverDetails {
    /// Driver name.
    pub name: String,
    /// Qualification certificate code (20 bytes).
    pub certificate: String,
    /// Issuing authority.
    pub authority: String,
    /// Certificate expiry (BCD `YYYYMMDD`; `None` for all zeros).
    pub expiry: Option<NaiveDate>,
    /// Driver ID card number (2019 only, 20 bytes).
    pub id_card: Option<String>,
}

impl DriverIdentity {
    pub(crate) fn decode(r: &mut Reader<'_>, v: ProtocolVersion) -> Result<Self, DecodeError> {
        let status = r.u8("card status")?;
        let time = r.time("card time")?;
        let card = if r.is_empty() {
            None
        } else {
            let read_result = r.u8("card read result")?;
            let details = if r.is_empty() {
                None
            } else {
                Some(DriverDetails {
                    name: r.gbk_u8("driver name")?,
                    certificate: r.gbk_fixed(20, "certificate code")?,
                    authority: r.gbk_u8("issuing authority")?,
                    expiry: r.date("certificate expiry")?,
                    id_card: if v.is_2019() && !r.is_empty() {
                        Some(r.gbk_fixed(20, "ID card number")?)
                    } else {
                        None
                    },
                })
            };
            Some(DriverCard {
                read_result,
                details,
            })
        };
        Ok(DriverIdentity { status, time, card })
    }

    pub(crate) fn encode(&self, v: ProtocolVersion, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        out.put_u8(self.status);
        out.put_time(self.time.as_ref(), "card time")?;
        let Some(card) = &self.card else {
            return Ok(());
        };
        out.put_u8(card.read_result);
        let Some(d) = &card.details else {
            return Ok(());
        };
        out.put_gbk_u8(&d.name, "driver name")?;
        out.put_gbk_fixed(&d.certificate, 20, "certificate code")?;
        out.put_gbk_u8(&d.authority, "issuing authority")?;
        out.extend_from_slice(&date_to_bcd(d.expiry.as_ref(), "certificate expiry")?);
        if let (true, Some(id)) = (v.is_2019(), &d.id_card) {
            out.put_gbk_fixed(id, 20, "ID card number")?;
        }
        Ok(())
    }
}

//! Text and number formats of the wire: GBK strings, BCD digits, BCD date/times in the
//! device's local time (UTC+8), and conversions between device time and UTC.

use std::borrow::Cow;
use std::fmt;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, TimeDelta, Timelike, Utc};

use crate::error::{DecodeError, EncodeError};

/// Offset of device clocks from UTC: JT/T 808 times are China Standard Time.
pub const DEVICE_UTC_OFFSET_HOURS: i64 = 8;

/// Converts a device local time (UTC+8) to UTC.
pub fn device_time_to_utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.checked_sub_signed(TimeDelta::hours(DEVICE_UTC_OFFSET_HOURS))
        .unwrap_or(NaiveDateTime::MIN)
        .and_utc()
}

/// Converts a UTC instant to device local time (UTC+8), as sent on the wire.
pub fn utc_to_device_time(t: DateTime<Utc>) -> NaiveDateTime {
    t.naive_utc()
        .checked_add_signed(TimeDelta::hours(DEVICE_UTC_OFFSET_HOURS))
        .unwrap_or(NaiveDateTime::MAX)
}

/// Strips trailing NUL padding.
#[inline]
pub(crate) fn trim_nul(b: &[u8]) -> &[u8] {
    let end = b.iter().rposition(|&c| c != 0).map_or(0, |p| p + 1);
    &b[..end]
}

/// Decodes GBK text (ASCII fast path).
pub(crate) fn gbk_decode(
    b: &[u8],
    what: &'static str,
    offset: usize,
) -> Result<String, DecodeError> {
    let err = || DecodeError::InvalidText {
        what,
        offset,
        len: b.len(),
    };
    if b.is_ascii() {
        return String::from_utf8(b.to_vec()).map_err(|_| err());
    }
    encoding_rs::GBK
        .decode_without_bom_handling_and_without_replacement(b)
        .map(Cow::into_owned)
        .ok_or_else(err)
}

/// Encodes text as GBK (ASCII fast path); characters GBK lacks are an error.
pub(crate) fn gbk_encode<'a>(s: &'a str, what: &'static str) -> Result<Cow<'a, [u8]>, EncodeError> {
    if s.is_ascii() {
        return Ok(Cow::Borrowed(s.as_bytes()));
    }
    let (b, _, had_errors) = encoding_rs::GBK.encode(s);
    if had_errors {
        Err(EncodeError::Unencodable { what })
    } else {
        Ok(b)
    }
}

/// One BCD byte (two decimal digits) to its value.
#[inline]
pub(crate) fn bcd2(b: u8) -> Option<u8> {
    let (hi, lo) = (b >> 4, b & 0x0F);
    if hi > 9 || lo > 9 {
        None
    } else {
        Some(hi * 10 + lo)
    }
}

/// A value below 100 to one BCD byte.
#[inline]
pub(crate) fn to_bcd2(v: u8) -> u8 {
    ((v / 10) << 4) | (v % 10)
}

/// Hex-nibble rendering of BCD bytes (`[0x01, 0x23]` → `"0123"`).
pub(crate) fn bcd_digits(b: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut s = String::with_capacity(b.len() * 2);
    for &x in b {
        s.push(HEX[(x >> 4) as usize] as char);
        s.push(HEX[(x & 0x0F) as usize] as char);
    }
    s
}

fn bcd_values<const N: usize>(
    b: &[u8; N],
    what: &'static str,
    offset: usize,
) -> Result<[u8; N], DecodeError> {
    let mut v = [0u8; N];
    for (i, (&x, out)) in b.iter().zip(v.iter_mut()).enumerate() {
        *out = bcd2(x).ok_or(DecodeError::InvalidBcd {
            what,
            offset: offset + i,
            found: x,
        })?;
    }
    Ok(v)
}

/// BCD[6] `YYMMDDhhmmss` (UTC+8) to a date-time; all zeros (no fix yet) is `None`.
#[inline]
pub(crate) fn bcd_to_time(
    b: &[u8; 6],
    what: &'static str,
    offset: usize,
) -> Result<Option<NaiveDateTime>, DecodeError> {
    if *b == [0; 6] {
        return Ok(None);
    }
    // All twelve nibbles at once: a nibble above 9 carries into bit 4 when 6 is added.
    let mut w = [0u8; 8];
    w[..6].copy_from_slice(b);
    let x = u64::from_le_bytes(w);
    const LOW: u64 = 0x0000_0F0F_0F0F_0F0F;
    let bad = (((x & LOW) + 0x0000_0606_0606_0606) | (((x >> 4) & LOW) + 0x0000_0606_0606_0606))
        & 0x0000_1010_1010_1010;
    let v = if bad == 0 {
        b.map(|c| (c >> 4) * 10 + (c & 0x0F))
    } else {
        bcd_values(b, what, offset)?
    };
    NaiveDate::from_ymd_opt(2000 + i32::from(v[0]), u32::from(v[1]), u32::from(v[2]))
        .and_then(|d| d.and_hms_opt(u32::from(v[3]), u32::from(v[4]), u32::from(v[5])))
        .map(Some)
        .ok_or_else(|| DecodeError::InvalidTime {
            what,
            offset,
            found: bcd_digits(b),
        })
}

fn two_digit_year(year: i32, what: &'static str) -> Result<u8, EncodeError> {
    if (2000..=2099).contains(&year) {
        Ok((year - 2000) as u8)
    } else {
        Err(EncodeError::InvalidValue {
            what,
            detail: format!("year {year} outside 2000..=2099"),
        })
    }
}

/// A date-time to BCD[6] `YYMMDDhhmmss` (years 2000-2099; sub-second part dropped).
pub(crate) fn time_to_bcd(t: &NaiveDateTime, what: &'static str) -> Result<[u8; 6], EncodeError> {
    let yy = two_digit_year(t.year(), what)?;
    Ok([
        to_bcd2(yy),
        to_bcd2(t.month() as u8),
        to_bcd2(t.day() as u8),
        to_bcd2(t.hour() as u8),
        to_bcd2(t.minute() as u8),
        to_bcd2(t.second().min(59) as u8),
    ])
}

/// BCD[4] `YYYYMMDD` to a date; all zeros is `None`.
pub(crate) fn bcd_to_date(
    b: &[u8; 4],
    what: &'static str,
    offset: usize,
) -> Result<Option<NaiveDate>, DecodeError> {
    if *b == [0; 4] {
        return Ok(None);
    }
    let v = bcd_values(b, what, offset)?;
    let year = i32::from(v[0]) * 100 + i32::from(v[1]);
    NaiveDate::from_ymd_opt(year, u32::from(v[2]), u32::from(v[3]))
        .map(Some)
        .ok_or_else(|| DecodeError::InvalidTime {
            what,
            offset,
            found: bcd_digits(b),
        })
}

/// A date to BCD[4] `YYYYMMDD` (years 0-9999); `None` is all zeros.
pub(crate) fn date_to_bcd(
    d: Option<&NaiveDate>,
    what: &'static str,
) -> Result<[u8; 4], EncodeError> {
    let Some(d) = d else { return Ok([0; 4]) };
    let y = d.year();
    if !(0..=9999).contains(&y) {
        return Err(EncodeError::InvalidValue {
            what,
            detail: format!("year {y} outside 0..=9999"),
        });
    }
    Ok([
        to_bcd2((y / 100) as u8),
        to_bcd2((y % 100) as u8),
        to_bcd2(d.month() as u8),
        to_bcd2(d.day() as u8),
    ])
}

/// A raw BCD[6] `YYMMDDhhmmss` time as used by area and media-search settings, where
/// zero fields have a meaning of their own (a `00` year marks a daily repeating window),
/// so the digits are kept as sent. Every nibble is checked to be a decimal digit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct BcdTime(pub [u8; 6]);

impl BcdTime {
    pub(crate) fn decode(
        r: &mut crate::cursor::Reader<'_>,
        what: &'static str,
    ) -> Result<Self, DecodeError> {
        let off = r.offset();
        let b = r.array::<6>(what)?;
        bcd_values(&b, what, off)?;
        Ok(BcdTime(b))
    }

    /// From a date-time (years 2000-2099).
    pub fn from_naive(t: &NaiveDateTime) -> Result<Self, EncodeError> {
        time_to_bcd(t, "time").map(BcdTime)
    }

    /// The date-time, when the digits form a full calendar date.
    pub fn to_naive(&self) -> Option<NaiveDateTime> {
        bcd_to_time(&self.0, "time", 0).ok().flatten()
    }
}

impl fmt::Display for BcdTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&bcd_digits(&self.0))
    }
}

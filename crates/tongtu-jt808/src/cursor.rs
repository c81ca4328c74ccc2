//! Bounds-checked big-endian reader over a body slice and the matching writer helpers.
//! Every read returns a typed error with the absolute offset instead of panicking.

use chrono::{NaiveDate, NaiveDateTime};

use crate::error::{DecodeError, EncodeError};
use crate::text;

/// A cursor over a borrowed slice. `base` is added to every reported offset.
#[derive(Debug, Clone)]
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    base: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Reader {
            buf,
            pos: 0,
            base: 0,
        }
    }

    pub(crate) fn with_base(buf: &'a [u8], base: usize) -> Self {
        Reader { buf, pos: 0, base }
    }

    /// Absolute offset of the next byte.
    #[inline]
    pub(crate) fn offset(&self) -> usize {
        self.base + self.pos
    }

    #[inline]
    pub(crate) fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.pos >= self.buf.len()
    }

    #[inline]
    fn truncated(&self, what: &'static str, needed: usize) -> DecodeError {
        DecodeError::Truncated {
            what,
            offset: self.offset(),
            needed,
            available: self.remaining(),
        }
    }

    #[inline]
    pub(crate) fn bytes(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], DecodeError> {
        let end = self.pos.checked_add(n);
        match end.and_then(|end| self.buf.get(self.pos..end)) {
            Some(s) => {
                self.pos += n;
                Ok(s)
            }
            None => Err(self.truncated(what, n)),
        }
    }

    #[inline]
    pub(crate) fn array_ref<const N: usize>(
        &mut self,
        what: &'static str,
    ) -> Result<&'a [u8; N], DecodeError> {
        let buf: &'a [u8] = self.buf;
        match buf.get(self.pos..).and_then(|s| s.first_chunk::<N>()) {
            Some(a) => {
                self.pos += N;
                Ok(a)
            }
            None => Err(self.truncated(what, N)),
        }
    }

    #[inline]
    pub(crate) fn array<const N: usize>(
        &mut self,
        what: &'static str,
    ) -> Result<[u8; N], DecodeError> {
        self.array_ref::<N>(what).copied()
    }

    #[inline]
    pub(crate) fn u8(&mut self, what: &'static str) -> Result<u8, DecodeError> {
        match self.buf.get(self.pos) {
            Some(&b) => {
                self.pos += 1;
                Ok(b)
            }
            None => Err(self.truncated(what, 1)),
        }
    }

    #[inline]
    pub(crate) fn u16(&mut self, what: &'static str) -> Result<u16, DecodeError> {
        self.array::<2>(what).map(u16::from_be_bytes)
    }

    #[inline]
    pub(crate) fn u32(&mut self, what: &'static str) -> Result<u32, DecodeError> {
        self.array::<4>(what).map(u32::from_be_bytes)
    }

    /// Everything left.
    #[inline]
    pub(crate) fn rest(&mut self) -> &'a [u8] {
        let s = self.buf.get(self.pos..).unwrap_or_default();
        self.pos = self.buf.len();
        s
    }

    /// Fails unless every byte was consumed.
    pub(crate) fn finish(&self, what: &'static str) -> Result<(), DecodeError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(DecodeError::LengthMismatch {
                what,
                offset: self.offset(),
                declared: 0,
                found: self.remaining(),
            })
        }
    }

    /// A `count`-prefixed list needs at least `count * min_item` bytes: checked up front so
    /// that a forged count can never make the decoder reserve memory the input cannot back.
    pub(crate) fn check_count(
        &self,
        count: usize,
        min_item: usize,
        what: &'static str,
    ) -> Result<(), DecodeError> {
        let needed = count.saturating_mul(min_item);
        if needed > self.remaining() {
            Err(self.truncated(what, needed))
        } else {
            Ok(())
        }
    }

    /// Fixed-width GBK text; trailing NUL padding removed.
    pub(crate) fn gbk_fixed(
        &mut self,
        n: usize,
        what: &'static str,
    ) -> Result<String, DecodeError> {
        let off = self.offset();
        let b = self.bytes(n, what)?;
        text::gbk_decode(text::trim_nul(b), what, off)
    }

    /// GBK text up to the end; trailing NUL padding removed.
    pub(crate) fn gbk_rest(&mut self, what: &'static str) -> Result<String, DecodeError> {
        let off = self.offset();
        let b = self.rest();
        text::gbk_decode(text::trim_nul(b), what, off)
    }

    /// GBK text prefixed by a one-byte length.
    pub(crate) fn gbk_u8(&mut self, what: &'static str) -> Result<String, DecodeError> {
        let n = self.u8(what)? as usize;
        self.gbk_fixed(n, what)
    }

    /// GBK text prefixed by a two-byte length.
    pub(crate) fn gbk_u16(&mut self, what: &'static str) -> Result<String, DecodeError> {
        let n = self.u16(what)? as usize;
        self.gbk_fixed(n, what)
    }

    /// BCD[6] `YYMMDDhhmmss` device time; all zeros decode to `None`.
    pub(crate) fn time(
        &mut self,
        what: &'static str,
    ) -> Result<Option<NaiveDateTime>, DecodeError> {
        let off = self.offset();
        let b = self.array::<6>(what)?;
        text::bcd_to_time(&b, what, off)
    }

    /// BCD[4] `YYYYMMDD` date; all zeros decode to `None`.
    pub(crate) fn date(&mut self, what: &'static str) -> Result<Option<NaiveDate>, DecodeError> {
        let off = self.offset();
        let b = self.array::<4>(what)?;
        text::bcd_to_date(&b, what, off)
    }
}

/// Big-endian writers on `Vec<u8>`.
pub(crate) trait Put {
    fn put_u8(&mut self, v: u8);
    fn put_u16(&mut self, v: u16);
    fn put_u32(&mut self, v: u32);
    fn put_gbk_fixed(
        &mut self,
        s: &str,
        width: usize,
        what: &'static str,
    ) -> Result<(), EncodeError>;
    fn put_gbk(&mut self, s: &str, what: &'static str) -> Result<(), EncodeError>;
    fn put_gbk_u8(&mut self, s: &str, what: &'static str) -> Result<(), EncodeError>;
    fn put_gbk_u16(&mut self, s: &str, what: &'static str) -> Result<(), EncodeError>;
    fn put_time(
        &mut self,
        t: Option<&NaiveDateTime>,
        what: &'static str,
    ) -> Result<(), EncodeError>;
}

impl Put for Vec<u8> {
    #[inline]
    fn put_u8(&mut self, v: u8) {
        self.push(v);
    }
    #[inline]
    fn put_u16(&mut self, v: u16) {
        self.extend_from_slice(&v.to_be_bytes());
    }
    #[inline]
    fn put_u32(&mut self, v: u32) {
        self.extend_from_slice(&v.to_be_bytes());
    }
    fn put_gbk_fixed(
        &mut self,
        s: &str,
        width: usize,
        what: &'static str,
    ) -> Result<(), EncodeError> {
        let b = text::gbk_encode(s, what)?;
        if b.len() > width {
            return Err(EncodeError::TooLong {
                what,
                len: b.len(),
                max: width,
            });
        }
        self.extend_from_slice(&b);
        self.resize(self.len() + width - b.len(), 0);
        Ok(())
    }
    fn put_gbk(&mut self, s: &str, what: &'static str) -> Result<(), EncodeError> {
        let b = text::gbk_encode(s, what)?;
        self.extend_from_slice(&b);
        Ok(())
    }
    fn put_gbk_u8(&mut self, s: &str, what: &'static str) -> Result<(), EncodeError> {
        let b = text::gbk_encode(s, what)?;
        let n = u8::try_from(b.len()).map_err(|_| EncodeError::TooLong {
            what,
            len: b.len(),
            max: u8::MAX as usize,
        })?;
        self.push(n);
        self.extend_from_slice(&b);
        Ok(())
    }
    fn put_gbk_u16(&mut self, s: &str, what: &'static str) -> Result<(), EncodeError> {
        let b = text::gbk_encode(s, what)?;
        let n = u16::try_from(b.len()).map_err(|_| EncodeError::TooLong {
            what,
            len: b.len(),
            max: u16::MAX as usize,
        })?;
        self.put_u16(n);
        self.extend_from_slice(&b);
        Ok(())
    }
    fn put_time(
        &mut self,
        t: Option<&NaiveDateTime>,
        what: &'static str,
    ) -> Result<(), EncodeError> {
        let b = match t {
            Some(t) => text::time_to_bcd(t, what)?,
            None => [0; 6],
        };
        self.extend_from_slice(&b);
        Ok(())
    }
}

/// Converts a length to a count field of type `T`, or explains why it does not fit.
pub(crate) fn count<T: TryFrom<usize>>(n: usize, what: &'static str) -> Result<T, EncodeError> {
    T::try_from(n).map_err(|_| EncodeError::TooLong {
        what,
        len: n,
        max: max_of::<T>(),
    })
}

fn max_of<T>() -> usize {
    match std::mem::size_of::<T>() {
        1 => u8::MAX as usize,
        2 => u16::MAX as usize,
        4 => u32::MAX as usize,
        _ => usize::MAX,
    }
}

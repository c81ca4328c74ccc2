//! Columnar encoding of one vehicle's run of positions (sorted by device time).
//!
//! Every field becomes its own column, stored as byte planes (see `Planes`) so that zstd sees long runs of
//! similar bytes: times as deltas in a per-run unit (devices report whole seconds), receive
//! time as latency from device time, coordinates as the residual of a linear extrapolation
//! from the two previous fixes (vehicles mostly keep heading and speed), bit fields as XOR
//! with the previous value and the rest as zigzag deltas.

use crate::position::Position;

/// Fixed binary size of a position in the WAL.
pub const POS_WIRE: usize = 58;

/// Error while decoding a column block.
#[derive(Debug, thiserror::Error)]
#[error("column block: {0}")]
pub struct ColumnError(pub &'static str);

#[inline]
fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

#[inline]
fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

#[inline]
fn put_uvarint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

#[inline]
fn put_ivarint(out: &mut Vec<u8>, v: i64) {
    put_uvarint(out, zigzag(v));
}

/// Upper bound on positions in one block (a fix a second is 86,400 a day); protects the
/// decoder's allocation from a damaged count.
const MAX_RUN: usize = 1 << 22;

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    col: Vec<u64>,
    ci: usize,
}

impl Reader<'_> {
    /// Reads the byte planes of a column of `n` values.
    fn begin_col(&mut self, n: usize) -> Result<(), ColumnError> {
        let width = *self
            .buf
            .get(self.pos)
            .ok_or(ColumnError("truncated column"))? as usize;
        self.pos += 1;
        if width > 8 {
            return Err(ColumnError("column width"));
        }
        let planes = self
            .buf
            .get(self.pos..self.pos + width * n)
            .ok_or(ColumnError("truncated column"))?;
        self.col.clear();
        self.col.resize(n, 0);
        for (k, plane) in planes.chunks_exact(n.max(1)).enumerate().take(width) {
            for (v, b) in self.col.iter_mut().zip(plane) {
                *v |= u64::from(*b) << (8 * k);
            }
        }
        self.pos += width * n;
        self.ci = 0;
        Ok(())
    }

    #[inline]
    fn next(&mut self) -> Result<u64, ColumnError> {
        let v = *self
            .col
            .get(self.ci)
            .ok_or(ColumnError("column exhausted"))?;
        self.ci += 1;
        Ok(v)
    }

    #[inline]
    fn inext(&mut self) -> Result<i64, ColumnError> {
        self.next().map(unzigzag)
    }

    #[inline]
    fn uvarint(&mut self) -> Result<u64, ColumnError> {
        let mut v: u64 = 0;
        let mut shift = 0u32;
        loop {
            let b = *self
                .buf
                .get(self.pos)
                .ok_or(ColumnError("truncated varint"))?;
            self.pos += 1;
            if shift >= 64 {
                return Err(ColumnError("varint overflow"));
            }
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
            shift += 7;
        }
    }

    #[inline]
    fn ivarint(&mut self) -> Result<i64, ColumnError> {
        self.uvarint().map(unzigzag)
    }
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Linear extrapolation of a coordinate from the two previous fixes, scaled by the time
/// gaps; integer arithmetic so that encoder and decoder agree bit for bit.
#[inline]
fn predict(prev2: i64, prev1: i64, dt_prev: i64, dt: i64) -> i64 {
    if dt_prev <= 0 || dt <= 0 || dt / 4 > dt_prev {
        return prev1;
    }
    let v = i128::from(prev1)
        + (i128::from(prev1) - i128::from(prev2)) * i128::from(dt) / i128::from(dt_prev);
    v.clamp(i128::from(i32::MIN), i128::from(i32::MAX)) as i64
}

/// The prediction of fix `i`'s coordinate from the two before it (device times of fixes
/// up to `i` must be known: the decoder fills the time column first).
#[inline]
fn predict_at(run: &[Position], i: usize, prev2: i64, prev1: i64) -> i64 {
    match i {
        0 => 0,
        1 => prev1,
        _ => predict(
            prev2,
            prev1,
            run[i - 1]
                .device_time_ms
                .wrapping_sub(run[i - 2].device_time_ms),
            run[i]
                .device_time_ms
                .wrapping_sub(run[i - 1].device_time_ms),
        ),
    }
}

/// Encodes a run of one vehicle's positions, sorted by device time, into `out`.
pub fn encode_run(run: &[Position], out: &mut Vec<u8>) {
    let n = run.len();
    put_uvarint(out, n as u64);
    if n == 0 {
        return;
    }
    put_uvarint(out, u64::from(run[0].vehicle_id));
    // Time unit: the gcd of all device-time deltas, capped at one second.
    let mut unit = 0u64;
    for w in run.windows(2) {
        unit = gcd(
            unit,
            w[1].device_time_ms
                .wrapping_sub(w[0].device_time_ms)
                .unsigned_abs(),
        );
        if unit == 1 {
            break;
        }
    }
    let unit = if unit == 0 { 1000 } else { gcd(unit, 1000) } as i64;
    put_uvarint(out, unit as u64);
    put_ivarint(out, run[0].device_time_ms);
    let mut c = Planes {
        out,
        vals: Vec::with_capacity(n),
    };
    for w in run.windows(2) {
        c.i(w[1].device_time_ms.wrapping_sub(w[0].device_time_ms) / unit);
    }
    c.end();
    for p in run {
        c.i(p.receive_time_ms.wrapping_sub(p.device_time_ms));
    }
    c.end();
    for coord in [|p: &Position| p.lat, |p: &Position| p.lon] {
        let mut prev2 = 0i64;
        let mut prev1 = 0i64;
        for (i, p) in run.iter().enumerate() {
            let v = i64::from(coord(p));
            c.i(v.wrapping_sub(predict_at(run, i, prev2, prev1)));
            prev2 = prev1;
            prev1 = v;
        }
        c.end();
    }
    delta_col(&mut c, run, |p| i64::from(p.altitude));
    delta_col(&mut c, run, |p| i64::from(p.speed));
    // Heading wraps at 360: store the shortest signed turn, tagged 0; a heading outside
    // 0..360 (some devices send 0xFFFF) is stored verbatim, tagged 1.
    let mut prev = 0i64;
    for p in run {
        let d = i64::from(p.direction);
        if (0..360).contains(&d) {
            let mut turn = (d - prev).rem_euclid(360);
            if turn > 180 {
                turn -= 360;
            }
            c.u(zigzag(turn) << 1);
            prev = d;
        } else {
            c.u(((d as u64) << 1) | 1);
        }
    }
    c.end();
    xor_col(&mut c, run, |p| u64::from(p.status));
    xor_col(&mut c, run, |p| u64::from(p.alarm));
    delta_col(&mut c, run, |p| i64::from(p.mileage));
    delta_col(&mut c, run, |p| i64::from(p.fuel));
    delta_col(&mut c, run, |p| i64::from(p.recorder_speed));
    xor_col(&mut c, run, |p| u64::from(p.vehicle_signal));
    delta_col(&mut c, run, |p| i64::from(p.signal));
    delta_col(&mut c, run, |p| i64::from(p.satellites));
    xor_col(&mut c, run, |p| u64::from(p.flags));
}

fn delta_col(c: &mut Planes<'_>, run: &[Position], f: impl Fn(&Position) -> i64) {
    let mut prev = 0;
    for p in run {
        let v = f(p);
        c.i(v.wrapping_sub(prev));
        prev = v;
    }
    c.end();
}

fn xor_col(c: &mut Planes<'_>, run: &[Position], f: impl Fn(&Position) -> u64) {
    let mut prev = 0;
    for p in run {
        let v = f(p);
        c.u(v ^ prev);
        prev = v;
    }
    c.end();
}

/// Column writer: values are laid out as byte planes (every value's low byte, then every
/// value's second byte, ...) up to the widest value, so that the mostly-zero high bytes of
/// small residuals form long runs and the low bytes a tight alphabet for zstd's entropy coder.
struct Planes<'a> {
    out: &'a mut Vec<u8>,
    vals: Vec<u64>,
}

impl Planes<'_> {
    #[inline]
    fn u(&mut self, v: u64) {
        self.vals.push(v);
    }

    #[inline]
    fn i(&mut self, v: i64) {
        self.vals.push(zigzag(v));
    }

    fn end(&mut self) {
        let max = self.vals.iter().fold(0u64, |a, v| a | v);
        let width = (64 - max.leading_zeros()).div_ceil(8) as usize;
        self.out.push(width as u8);
        for k in 0..width {
            self.out
                .extend(self.vals.iter().map(|v| (v >> (8 * k)) as u8));
        }
        self.vals.clear();
    }
}

fn read_delta<T: TryFrom<i64>>(
    r: &mut Reader<'_>,
    out: &mut [Position],
    set: impl Fn(&mut Position, T),
) -> Result<(), ColumnError> {
    let mut prev = 0i64;
    r.begin_col(out.len())?;
    for p in out.iter_mut() {
        prev = prev.wrapping_add(r.inext()?);
        let v = T::try_from(prev).map_err(|_| ColumnError("value out of range"))?;
        set(p, v);
    }
    Ok(())
}

fn read_xor<T: TryFrom<u64>>(
    r: &mut Reader<'_>,
    out: &mut [Position],
    set: impl Fn(&mut Position, T),
) -> Result<(), ColumnError> {
    let mut prev = 0u64;
    r.begin_col(out.len())?;
    for p in out.iter_mut() {
        prev ^= r.next()?;
        let v = T::try_from(prev).map_err(|_| ColumnError("value out of range"))?;
        set(p, v);
    }
    Ok(())
}

/// Decodes a run produced by [`encode_run`], appending to `out`.
pub fn decode_run(buf: &[u8], out: &mut Vec<Position>) -> Result<(), ColumnError> {
    let mut r = Reader {
        buf,
        pos: 0,
        col: Vec::new(),
        ci: 0,
    };
    let n = usize::try_from(r.uvarint()?).map_err(|_| ColumnError("count"))?;
    if n == 0 {
        return Ok(());
    }
    if n > MAX_RUN {
        return Err(ColumnError("count larger than any vehicle-day"));
    }
    let vehicle_id = u32::try_from(r.uvarint()?).map_err(|_| ColumnError("vehicle id"))?;
    let start = out.len();
    out.resize(
        start + n,
        Position {
            vehicle_id,
            ..Default::default()
        },
    );
    let run = &mut out[start..];
    let unit = r.uvarint()?;
    if unit == 0 || unit > 1000 {
        return Err(ColumnError("time unit"));
    }
    let unit = unit as i64;
    let mut t = r.ivarint()?;
    run[0].device_time_ms = t;
    r.begin_col(n - 1)?;
    for p in run.iter_mut().skip(1) {
        t = t.wrapping_add(r.inext()?.wrapping_mul(unit));
        p.device_time_ms = t;
    }
    r.begin_col(n)?;
    for p in run.iter_mut() {
        p.receive_time_ms = p.device_time_ms.wrapping_add(r.inext()?);
    }
    for is_lat in [true, false] {
        r.begin_col(n)?;
        let mut prev2 = 0i64;
        let mut prev1 = 0i64;
        for i in 0..n {
            let v = predict_at(run, i, prev2, prev1).wrapping_add(r.inext()?);
            let v32 = i32::try_from(v).map_err(|_| ColumnError("coordinate out of range"))?;
            if is_lat {
                run[i].lat = v32;
            } else {
                run[i].lon = v32;
            }
            prev2 = prev1;
            prev1 = v;
        }
    }
    read_delta(&mut r, run, |p, v| p.altitude = v)?;
    read_delta(&mut r, run, |p, v| p.speed = v)?;
    let mut prev = 0i64;
    r.begin_col(n)?;
    for p in run.iter_mut() {
        let v = r.next()?;
        let d = if v & 1 == 0 {
            let d = (prev + unzigzag(v >> 1)).rem_euclid(360);
            prev = d;
            d
        } else {
            i64::try_from(v >> 1).map_err(|_| ColumnError("direction"))?
        };
        p.direction = u16::try_from(d).map_err(|_| ColumnError("direction"))?;
    }
    read_xor(&mut r, run, |p, v| p.status = v)?;
    read_xor(&mut r, run, |p, v| p.alarm = v)?;
    read_delta(&mut r, run, |p, v| p.mileage = v)?;
    read_delta(&mut r, run, |p, v| p.fuel = v)?;
    read_delta(&mut r, run, |p, v| p.recorder_speed = v)?;
    read_xor(&mut r, run, |p, v| p.vehicle_signal = v)?;
    read_delta(&mut r, run, |p, v| p.signal = v)?;
    read_delta(&mut r, run, |p, v| p.satellites = v)?;
    read_xor(&mut r, run, |p, v| p.flags = v)?;
    if r.pos != buf.len() {
        return Err(ColumnError("trailing bytes"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn arb_position() -> impl Strategy<Value = Position> {
        (
            (
                any::<i64>(),
                any::<i64>(),
                any::<i32>(),
                any::<i32>(),
                any::<i16>(),
            ),
            (
                any::<u16>(),
                any::<u16>(),
                any::<u32>(),
                any::<u32>(),
                any::<u32>(),
            ),
            (
                any::<u16>(),
                any::<u16>(),
                any::<u32>(),
                any::<u8>(),
                any::<u8>(),
                any::<u16>(),
            ),
        )
            .prop_map(|(a, b, c)| Position {
                vehicle_id: 42,
                device_time_ms: a.0 >> 2,
                receive_time_ms: a.1 >> 2,
                lat: a.2,
                lon: a.3,
                altitude: a.4,
                speed: b.0,
                direction: b.1,
                status: b.2,
                alarm: b.3,
                mileage: b.4,
                fuel: c.0,
                recorder_speed: c.1,
                vehicle_signal: c.2,
                signal: c.3,
                satellites: c.4,
                flags: c.5,
            })
    }

    /// A plausible moving run: whole-second times, small steps.
    fn arb_run() -> impl Strategy<Value = Vec<Position>> {
        prop::collection::vec(
            (
                1i64..40,
                -3000i32..3000,
                -3000i32..3000,
                0u16..360,
                0u16..1200,
            ),
            1..200,
        )
        .prop_map(|steps| {
            let mut t = 1_764_000_000_000i64;
            let (mut lat, mut lon) = (21_850_000i32, 111_950_000i32);
            steps
                .into_iter()
                .map(|(dt, dlat, dlon, dir, speed)| {
                    t += dt * 1000;
                    lat += dlat;
                    lon += dlon;
                    Position {
                        vehicle_id: 7,
                        device_time_ms: t,
                        receive_time_ms: t + 250,
                        lat,
                        lon,
                        speed,
                        direction: dir,
                        flags: crate::flags::GNSS_VALID,
                        ..Default::default()
                    }
                })
                .collect()
        })
    }

    proptest! {
        #[test]
        fn any_values_roundtrip(mut run in prop::collection::vec(arb_position(), 0..64)) {
            run.sort_by_key(|p| p.device_time_ms);
            let mut buf = Vec::new();
            encode_run(&run, &mut buf);
            let mut out = Vec::new();
            decode_run(&buf, &mut out).unwrap();
            prop_assert_eq!(out, run);
        }

        #[test]
        fn moving_runs_roundtrip(run in arb_run()) {
            let mut buf = Vec::new();
            encode_run(&run, &mut buf);
            let mut out = Vec::new();
            decode_run(&buf, &mut out).unwrap();
            prop_assert_eq!(out, run);
        }

        #[test]
        fn garbage_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
            let mut out = Vec::new();
            let _ = decode_run(&bytes, &mut out);
        }
    }

    #[test]
    fn out_of_range_heading_survives() {
        let run = [
            Position {
                direction: 359,
                device_time_ms: 1000,
                ..Default::default()
            },
            Position {
                direction: 0xffff,
                device_time_ms: 2000,
                ..Default::default()
            },
            Position {
                direction: 1,
                device_time_ms: 3000,
                ..Default::default()
            },
        ];
        let mut buf = Vec::new();
        encode_run(&run, &mut buf);
        let mut out = Vec::new();
        decode_run(&buf, &mut out).unwrap();
        assert_eq!(out, run);
    }
}

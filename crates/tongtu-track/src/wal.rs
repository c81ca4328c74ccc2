//! Write-ahead log files: `wal/<seq>.wal`, an 8-byte magic then records of
//! `[payload length u32 LE][CRC-32 of payload u32 LE][payload]`, each payload a batch of
//! fixed-width positions. A record is acknowledged only after the fsync that covers it, so
//! a torn or corrupt tail can only hold unacknowledged data and is cut off on recovery.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::columns::POS_WIRE;
use crate::error::{Result, TrackError};
use crate::position::Position;

/// File magic, also the format version.
pub const WAL_MAGIC: &[u8; 8] = b"TTWAL\x01\0\0";
/// Record header size.
pub const RECORD_HEADER: usize = 8;
/// Largest payload accepted on replay; larger lengths are a corrupt header.
pub const MAX_RECORD: usize = 64 << 20;

/// Appends the fixed-width encoding of one position.
pub fn put_position(out: &mut Vec<u8>, p: &Position) {
    out.extend_from_slice(&p.vehicle_id.to_le_bytes());
    out.extend_from_slice(&p.device_time_ms.to_le_bytes());
    out.extend_from_slice(&p.receive_time_ms.to_le_bytes());
    out.extend_from_slice(&p.lat.to_le_bytes());
    out.extend_from_slice(&p.lon.to_le_bytes());
    out.extend_from_slice(&p.altitude.to_le_bytes());
    out.extend_from_slice(&p.speed.to_le_bytes());
    out.extend_from_slice(&p.direction.to_le_bytes());
    out.extend_from_slice(&p.status.to_le_bytes());
    out.extend_from_slice(&p.alarm.to_le_bytes());
    out.extend_from_slice(&p.mileage.to_le_bytes());
    out.extend_from_slice(&p.fuel.to_le_bytes());
    out.extend_from_slice(&p.recorder_speed.to_le_bytes());
    out.extend_from_slice(&p.vehicle_signal.to_le_bytes());
    out.push(p.signal);
    out.push(p.satellites);
    out.extend_from_slice(&p.flags.to_le_bytes());
}

/// Decodes one fixed-width position; `b` must hold exactly [`POS_WIRE`] bytes.
pub fn get_position(b: &[u8; POS_WIRE]) -> Position {
    fn arr<const N: usize>(b: &[u8], at: usize) -> [u8; N] {
        let mut a = [0u8; N];
        a.copy_from_slice(&b[at..at + N]);
        a
    }
    Position {
        vehicle_id: u32::from_le_bytes(arr(b, 0)),
        device_time_ms: i64::from_le_bytes(arr(b, 4)),
        receive_time_ms: i64::from_le_bytes(arr(b, 12)),
        lat: i32::from_le_bytes(arr(b, 20)),
        lon: i32::from_le_bytes(arr(b, 24)),
        altitude: i16::from_le_bytes(arr(b, 28)),
        speed: u16::from_le_bytes(arr(b, 30)),
        direction: u16::from_le_bytes(arr(b, 32)),
        status: u32::from_le_bytes(arr(b, 34)),
        alarm: u32::from_le_bytes(arr(b, 38)),
        mileage: u32::from_le_bytes(arr(b, 42)),
        fuel: u16::from_le_bytes(arr(b, 46)),
        recorder_speed: u16::from_le_bytes(arr(b, 48)),
        vehicle_signal: u32::from_le_bytes(arr(b, 50)),
        signal: b[54],
        satellites: b[55],
        flags: u16::from_le_bytes(arr(b, 56)),
    }
}

/// Encodes a batch as one complete WAL record (header included).
pub fn encode_record(batch: &[Position]) -> Vec<u8> {
    let mut out = Vec::with_capacity(RECORD_HEADER + batch.len() * POS_WIRE);
    out.extend_from_slice(&[0u8; RECORD_HEADER]);
    for p in batch {
        put_position(&mut out, p);
    }
    let payload_len = (out.len() - RECORD_HEADER) as u32;
    let crc = crc32fast::hash(&out[RECORD_HEADER..]);
    out[0..4].copy_from_slice(&payload_len.to_le_bytes());
    out[4..8].copy_from_slice(&crc.to_le_bytes());
    out
}

/// Path of WAL file `seq` in `dir`.
pub fn wal_path(dir: &Path, seq: u64) -> PathBuf {
    dir.join(format!("{seq:016}.wal"))
}

/// Sequence numbers of the WAL files in `dir`, ascending.
pub fn list(dir: &Path) -> Result<Vec<u64>> {
    let mut seqs = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(TrackError::io("read dir", dir))? {
        let entry = entry.map_err(TrackError::io("read dir", dir))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if let Some(stem) = name.strip_suffix(".wal") {
            if let Ok(seq) = stem.parse::<u64>() {
                seqs.push(seq);
            }
        }
    }
    seqs.sort_unstable();
    Ok(seqs)
}

/// Why replay stopped before the end of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TailProblem {
    /// Byte offset of the first record that could not be trusted.
    pub offset: u64,
    /// What was wrong with it.
    pub reason: String,
    /// Bytes from `offset` to the end of the file that were dropped.
    pub dropped_bytes: u64,
}

/// The content of one WAL file.
#[derive(Debug, Default)]
pub struct Replay {
    /// Every position of every intact record, in write order.
    pub positions: Vec<Position>,
    /// Number of intact records.
    pub records: u64,
    /// Length of the intact prefix (where appending may continue).
    pub good_len: u64,
    /// Set when the file ends in a torn or corrupt record.
    pub tail: Option<TailProblem>,
}

/// Reads a WAL file, stopping at the first record whose length or CRC is wrong.
pub fn replay(path: &Path) -> Result<Replay> {
    let mut data = Vec::new();
    File::open(path)
        .and_then(|mut f| f.read_to_end(&mut data))
        .map_err(TrackError::io("read", path))?;
    Ok(replay_bytes(&data))
}

/// [`replay`] over bytes already in memory.
pub fn replay_bytes(data: &[u8]) -> Replay {
    let mut out = Replay::default();
    let total = data.len() as u64;
    let problem = |offset: usize, reason: String| TailProblem {
        offset: offset as u64,
        reason,
        dropped_bytes: total - offset as u64,
    };
    if data.len() < WAL_MAGIC.len() {
        // A crash right after creating the file; nothing was ever acknowledged from it.
        if !data.is_empty() {
            out.tail = Some(problem(0, "truncated file magic".into()));
        }
        return out;
    }
    if &data[..WAL_MAGIC.len()] != WAL_MAGIC {
        out.tail = Some(problem(0, "bad file magic".into()));
        return out;
    }
    let mut at = WAL_MAGIC.len();
    out.good_len = at as u64;
    while at < data.len() {
        let rest = &data[at..];
        if rest.len() < RECORD_HEADER {
            out.tail = Some(problem(
                at,
                format!("torn record header ({} of 8 bytes)", rest.len()),
            ));
            break;
        }
        let len = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        let crc = u32::from_le_bytes([rest[4], rest[5], rest[6], rest[7]]);
        if len > MAX_RECORD || !len.is_multiple_of(POS_WIRE) {
            out.tail = Some(problem(at, format!("implausible record length {len}")));
            break;
        }
        if rest.len() < RECORD_HEADER + len {
            out.tail = Some(problem(
                at,
                format!(
                    "torn record: {} of {len} payload bytes",
                    rest.len() - RECORD_HEADER
                ),
            ));
            break;
        }
        let payload = &rest[RECORD_HEADER..RECORD_HEADER + len];
        let actual = crc32fast::hash(payload);
        if actual != crc {
            out.tail = Some(problem(
                at,
                format!("CRC mismatch: stored {crc:08x}, computed {actual:08x}"),
            ));
            break;
        }
        for chunk in payload.chunks_exact(POS_WIRE) {
            if let Ok(arr) = <&[u8; POS_WIRE]>::try_from(chunk) {
                out.positions.push(get_position(arr));
            }
        }
        out.records += 1;
        at += RECORD_HEADER + len;
        out.good_len = at as u64;
    }
    out
}

/// An open WAL file being appended to.
pub struct WalWriter {
    file: File,
    path: PathBuf,
    /// Its sequence number.
    pub seq: u64,
    /// Bytes written so far.
    pub len: u64,
}

impl WalWriter {
    /// Creates WAL file `seq` (fsyncing the directory so the file itself survives a crash).
    pub fn create(dir: &Path, seq: u64) -> Result<WalWriter> {
        let path = wal_path(dir, seq);
        let mut file = OpenOptions::new()
            .create_new(true)
            .write(true)
            .open(&path)
            .map_err(TrackError::io("create", &path))?;
        file.write_all(WAL_MAGIC)
            .map_err(TrackError::io("write", &path))?;
        file.sync_all().map_err(TrackError::io("fsync", &path))?;
        sync_dir(dir)?;
        Ok(WalWriter {
            file,
            path,
            seq,
            len: WAL_MAGIC.len() as u64,
        })
    }

    /// Writes bytes (whole records) without syncing.
    pub fn write(&mut self, bytes: &[u8]) -> Result<()> {
        self.file
            .write_all(bytes)
            .map_err(TrackError::io("write", &self.path))?;
        self.len += bytes.len() as u64;
        Ok(())
    }

    /// Makes everything written so far durable.
    pub fn sync(&mut self) -> Result<()> {
        self.file
            .sync_data()
            .map_err(TrackError::io("fsync", &self.path))
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// fsyncs a directory so that created, renamed or removed entries are durable.
pub fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(TrackError::io("fsync dir", dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(v: u32, t: i64) -> Position {
        Position {
            vehicle_id: v,
            device_time_ms: t,
            receive_time_ms: t + 300,
            lat: 21_850_000,
            lon: -111_950_000,
            altitude: -3,
            speed: 655,
            direction: 359,
            status: 0xffff_0003,
            alarm: 1 << 31,
            mileage: u32::MAX,
            fuel: 7,
            recorder_speed: 8,
            vehicle_signal: 9,
            signal: 31,
            satellites: 12,
            flags: crate::flags::ALL,
        }
    }

    #[test]
    fn fixed_width_roundtrip() {
        let p = pos(7, 1_700_000_000_000);
        let mut b = Vec::new();
        put_position(&mut b, &p);
        assert_eq!(b.len(), POS_WIRE);
        let arr: &[u8; POS_WIRE] = b.as_slice().try_into().unwrap();
        assert_eq!(get_position(arr), p);
    }

    #[test]
    fn torn_and_corrupt_tails_are_reported_and_dropped() {
        let mut file = WAL_MAGIC.to_vec();
        let r1 = encode_record(&[pos(1, 1000), pos(2, 2000)]);
        let r2 = encode_record(&[pos(3, 3000)]);
        file.extend_from_slice(&r1);
        let good = file.len();
        file.extend_from_slice(&r2);
        let full = replay_bytes(&file);
        assert_eq!(full.positions.len(), 3);
        assert!(full.tail.is_none());

        // Torn at every offset inside the second record: the first survives intact.
        for cut in good + 1..file.len() {
            let r = replay_bytes(&file[..cut]);
            assert_eq!(r.positions.len(), 2, "cut at {cut}");
            assert_eq!(r.good_len, good as u64);
            let tail = r.tail.expect("tail problem");
            assert_eq!(tail.offset, good as u64);
            assert_eq!(tail.dropped_bytes, (cut - good) as u64);
        }
        // A flipped payload bit fails the CRC.
        let mut bad = file.clone();
        let last = bad.len() - 1;
        bad[last] ^= 0x40;
        let r = replay_bytes(&bad);
        assert_eq!(r.positions.len(), 2);
        assert!(r.tail.unwrap().reason.contains("CRC mismatch"));
    }
}

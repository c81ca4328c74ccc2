//! Per-day segment files: `segments/<YYYY-MM-DD>/<gen>.seg`.
//!
//! Layout: 8-byte magic, then one zstd-compressed column block per vehicle (ascending
//! vehicle id, positions sorted by device time, see [`crate::columns`]), then the index
//! (one 44-byte entry per vehicle with the block's offset, sizes, count, time range and
//! CRC-32), then a 40-byte footer holding the index offset, entry count, index CRC, day,
//! generation, flags (cold) and an end magic. Files are written under a temporary name, fsynced and
//! renamed, so a segment is either complete or absent.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use crate::columns::{decode_run, encode_run};
use crate::error::{Result, TrackError};
use crate::position::Position;
use crate::wal::sync_dir;

/// File magic (format version 1).
pub const SEG_MAGIC: &[u8; 8] = b"TTSEG\x01\0\0";
/// Footer end magic.
pub const SEG_END: &[u8; 8] = b"TTSEGEND";
const INDEX_ENTRY: usize = 44;
const FOOTER: usize = 40;
/// zstd level of fresh segments: fast, because they are rewritten when the day closes.
pub const HOT_LEVEL: i32 = 3;
/// zstd level of a closed day's final segment: five times slower to write than level 9
/// but 5 % smaller, paid once per day in the background.
pub const COLD_LEVEL: i32 = 15;
/// Footer flag: the segment is a closed day's final, cold-compressed segment.
const FLAG_COLD: u32 = 1;

/// Where one vehicle's block sits in a segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexEntry {
    /// Vehicle id.
    pub vehicle_id: u32,
    /// Byte offset of the compressed block.
    pub offset: u64,
    /// Compressed length.
    pub clen: u32,
    /// Uncompressed length.
    pub rlen: u32,
    /// Number of positions.
    pub count: u32,
    /// Earliest device time.
    pub t_min: i64,
    /// Latest device time.
    pub t_max: i64,
    /// CRC-32 of the compressed block.
    pub crc: u32,
}

impl IndexEntry {
    fn put(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.vehicle_id.to_le_bytes());
        out.extend_from_slice(&self.offset.to_le_bytes());
        out.extend_from_slice(&self.clen.to_le_bytes());
        out.extend_from_slice(&self.rlen.to_le_bytes());
        out.extend_from_slice(&self.count.to_le_bytes());
        out.extend_from_slice(&self.t_min.to_le_bytes());
        out.extend_from_slice(&self.t_max.to_le_bytes());
        out.extend_from_slice(&self.crc.to_le_bytes());
    }

    fn get(b: &[u8]) -> IndexEntry {
        let u32_at = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        let u64_at = |i: usize| {
            let mut a = [0u8; 8];
            a.copy_from_slice(&b[i..i + 8]);
            u64::from_le_bytes(a)
        };
        IndexEntry {
            vehicle_id: u32_at(0),
            offset: u64_at(4),
            clen: u32_at(12),
            rlen: u32_at(16),
            count: u32_at(20),
            t_min: u64_at(24) as i64,
            t_max: u64_at(32) as i64,
            crc: u32_at(40),
        }
    }
}

/// Directory name of a day.
pub fn day_dir_name(day: i32) -> String {
    crate::position::day_date(day)
        .format("%Y-%m-%d")
        .to_string()
}

/// Parses a day directory name.
pub fn parse_day_dir(name: &str) -> Option<i32> {
    chrono::NaiveDate::parse_from_str(name, "%Y-%m-%d")
        .ok()
        .map(crate::position::date_day)
}

/// Path of segment `gen` of `day` under `root`.
pub fn segment_path(root: &Path, day: i32, gen: u64) -> PathBuf {
    root.join(day_dir_name(day)).join(format!("{gen:016}.seg"))
}

/// Writes one segment file; runs must be added in ascending vehicle order.
pub struct SegmentWriter {
    out: BufWriter<File>,
    tmp: PathBuf,
    path: PathBuf,
    day: i32,
    gen: u64,
    offset: u64,
    index: Vec<IndexEntry>,
    raw: Vec<u8>,
    compressor: zstd::bulk::Compressor<'static>,
    cold: bool,
}

impl SegmentWriter {
    /// Starts segment `gen` of `day` under `root` (the final file appears on `finish`);
    /// `cold` for a closed day's final segment.
    pub fn create(root: &Path, day: i32, gen: u64, cold: bool) -> Result<SegmentWriter> {
        let path = segment_path(root, day, gen);
        let dir = path.parent().unwrap_or(root).to_path_buf();
        if !dir.exists() {
            std::fs::create_dir_all(&dir).map_err(TrackError::io("create dir", &dir))?;
            sync_dir(root)?;
        }
        let tmp = path.with_extension("seg.tmp");
        let file = OpenOptions::new()
            .create(true)
            .truncate(true)
            .write(true)
            .open(&tmp)
            .map_err(TrackError::io("create", &tmp))?;
        let mut out = BufWriter::with_capacity(256 << 10, file);
        out.write_all(SEG_MAGIC)
            .map_err(TrackError::io("write", &tmp))?;
        let compressor = zstd::bulk::Compressor::new(if cold { COLD_LEVEL } else { HOT_LEVEL })
            .map_err(|e| TrackError::Export(format!("zstd: {e}")))?;
        Ok(SegmentWriter {
            out,
            tmp,
            path,
            day,
            gen,
            offset: SEG_MAGIC.len() as u64,
            index: Vec::new(),
            raw: Vec::new(),
            compressor,
            cold,
        })
    }

    /// Adds one vehicle's positions (sorted by device time, duplicates already removed).
    pub fn add_run(&mut self, run: &[Position]) -> Result<()> {
        let (Some(first), Some(last)) = (run.first(), run.last()) else {
            return Ok(());
        };
        debug_assert!(self
            .index
            .last()
            .is_none_or(|e| e.vehicle_id < first.vehicle_id));
        self.raw.clear();
        encode_run(run, &mut self.raw);
        let block = self
            .compressor
            .compress(&self.raw)
            .map_err(TrackError::io("compress", &self.tmp))?;
        self.out
            .write_all(&block)
            .map_err(TrackError::io("write", &self.tmp))?;
        self.index.push(IndexEntry {
            vehicle_id: first.vehicle_id,
            offset: self.offset,
            clen: block.len() as u32,
            rlen: self.raw.len() as u32,
            count: run.len() as u32,
            t_min: first.device_time_ms,
            t_max: last.device_time_ms,
            crc: crc32fast::hash(&block),
        });
        self.offset += block.len() as u64;
        Ok(())
    }

    /// Number of vehicles added so far.
    pub fn vehicles(&self) -> usize {
        self.index.len()
    }

    /// Writes index and footer, makes the file durable and gives it its final name.
    pub fn finish(mut self) -> Result<Segment> {
        let mut idx = Vec::with_capacity(self.index.len() * INDEX_ENTRY + FOOTER);
        for e in &self.index {
            e.put(&mut idx);
        }
        let index_crc = crc32fast::hash(&idx);
        idx.extend_from_slice(&self.offset.to_le_bytes());
        idx.extend_from_slice(&(self.index.len() as u32).to_le_bytes());
        idx.extend_from_slice(&index_crc.to_le_bytes());
        idx.extend_from_slice(&self.day.to_le_bytes());
        idx.extend_from_slice(&self.gen.to_le_bytes());
        idx.extend_from_slice(&(if self.cold { FLAG_COLD } else { 0 }).to_le_bytes());
        idx.extend_from_slice(SEG_END);
        self.out
            .write_all(&idx)
            .map_err(TrackError::io("write", &self.tmp))?;
        let file = self.out.into_inner().map_err(|e| TrackError::Io {
            op: "flush",
            path: self.tmp.clone(),
            source: e.into_error(),
        })?;
        file.sync_all()
            .map_err(TrackError::io("fsync", &self.tmp))?;
        drop(file);
        std::fs::rename(&self.tmp, &self.path).map_err(TrackError::io("rename", &self.tmp))?;
        if let Some(dir) = self.path.parent() {
            sync_dir(dir)?;
        }
        Segment::open(&self.path)
    }
}

/// An open, verified-at-open segment file.
#[derive(Debug)]
pub struct Segment {
    /// Its path.
    pub path: PathBuf,
    /// Beijing day number.
    pub day: i32,
    /// Generation (WAL sequence it came from, or the newest one merged into it).
    pub gen: u64,
    /// File size in bytes.
    pub bytes: u64,
    /// A closed day's final, cold-compressed segment.
    pub cold: bool,
    /// Per-vehicle entries, ascending vehicle id.
    pub index: Vec<IndexEntry>,
    file: File,
}

impl Segment {
    /// Opens a segment and checks its footer and index (not the blocks: see [`Segment::check`]).
    pub fn open(path: &Path) -> Result<Segment> {
        let corrupt = |offset: u64, reason: String| TrackError::Corrupt {
            path: path.to_path_buf(),
            offset,
            reason,
        };
        let file = File::open(path).map_err(TrackError::io("open", path))?;
        let bytes = file.metadata().map_err(TrackError::io("stat", path))?.len();
        if bytes < (SEG_MAGIC.len() + FOOTER) as u64 {
            return Err(corrupt(0, format!("file too short ({bytes} bytes)")));
        }
        let mut head = [0u8; 8];
        file.read_exact_at(&mut head, 0)
            .map_err(TrackError::io("read", path))?;
        if &head != SEG_MAGIC {
            return Err(corrupt(0, "bad magic".into()));
        }
        let footer_at = bytes - FOOTER as u64;
        let mut f = [0u8; FOOTER];
        file.read_exact_at(&mut f, footer_at)
            .map_err(TrackError::io("read", path))?;
        if &f[32..40] != SEG_END {
            return Err(corrupt(
                footer_at,
                "bad footer magic (truncated file?)".into(),
            ));
        }
        let mut a8 = [0u8; 8];
        a8.copy_from_slice(&f[0..8]);
        let index_at = u64::from_le_bytes(a8);
        let entries = u32::from_le_bytes([f[8], f[9], f[10], f[11]]) as u64;
        let index_crc = u32::from_le_bytes([f[12], f[13], f[14], f[15]]);
        let day = i32::from_le_bytes([f[16], f[17], f[18], f[19]]);
        a8.copy_from_slice(&f[20..28]);
        let gen = u64::from_le_bytes(a8);
        let cold = u32::from_le_bytes([f[28], f[29], f[30], f[31]]) & FLAG_COLD != 0;
        if index_at.checked_add(entries * INDEX_ENTRY as u64) != Some(footer_at) {
            return Err(corrupt(
                footer_at,
                format!("index of {entries} entries at {index_at} does not end at the footer"),
            ));
        }
        let mut idx = vec![0u8; entries as usize * INDEX_ENTRY];
        file.read_exact_at(&mut idx, index_at)
            .map_err(TrackError::io("read", path))?;
        let actual = crc32fast::hash(&idx);
        if actual != index_crc {
            return Err(corrupt(
                index_at,
                format!("index CRC mismatch: stored {index_crc:08x}, computed {actual:08x}"),
            ));
        }
        let index: Vec<IndexEntry> = idx.chunks_exact(INDEX_ENTRY).map(IndexEntry::get).collect();
        for (i, e) in index.iter().enumerate() {
            let at = index_at + (i * INDEX_ENTRY) as u64;
            if e.offset < SEG_MAGIC.len() as u64 || e.offset + u64::from(e.clen) > index_at {
                return Err(corrupt(
                    at,
                    format!("vehicle {} block outside the data area", e.vehicle_id),
                ));
            }
            if i > 0 && index[i - 1].vehicle_id >= e.vehicle_id {
                return Err(corrupt(
                    at,
                    format!("vehicle {} out of order in index", e.vehicle_id),
                ));
            }
        }
        Ok(Segment {
            path: path.to_path_buf(),
            day,
            gen,
            bytes,
            cold,
            index,
            file,
        })
    }

    /// The index entry of a vehicle.
    pub fn entry(&self, vehicle_id: u32) -> Option<&IndexEntry> {
        self.index
            .binary_search_by_key(&vehicle_id, |e| e.vehicle_id)
            .ok()
            .map(|i| &self.index[i])
    }

    /// Reads, verifies and decodes one vehicle's block, appending to `out`.
    pub fn read_run(&self, e: &IndexEntry, out: &mut Vec<Position>) -> Result<()> {
        let corrupt = |reason: String| TrackError::Corrupt {
            path: self.path.clone(),
            offset: e.offset,
            reason,
        };
        let mut block = vec![0u8; e.clen as usize];
        self.file
            .read_exact_at(&mut block, e.offset)
            .map_err(TrackError::io("read", &self.path))?;
        let crc = crc32fast::hash(&block);
        if crc != e.crc {
            return Err(corrupt(format!(
                "vehicle {} block CRC mismatch: stored {:08x}, computed {crc:08x}",
                e.vehicle_id, e.crc
            )));
        }
        let raw = zstd::bulk::decompress(&block, e.rlen as usize)
            .map_err(|err| corrupt(format!("vehicle {} block: zstd: {err}", e.vehicle_id)))?;
        let start = out.len();
        decode_run(&raw, out).map_err(|err| corrupt(format!("vehicle {}: {err}", e.vehicle_id)))?;
        let got = &out[start..];
        if got.len() != e.count as usize
            || got.first().map(|p| p.device_time_ms) != Some(e.t_min)
            || got.last().map(|p| p.device_time_ms) != Some(e.t_max)
            || got.iter().any(|p| p.vehicle_id != e.vehicle_id)
        {
            out.truncate(start);
            return Err(corrupt(format!(
                "vehicle {} block does not match its index entry (count {}, time {}..{})",
                e.vehicle_id, e.count, e.t_min, e.t_max
            )));
        }
        Ok(())
    }

    /// Verifies every block: CRC, decoding, index agreement, sort order.
    pub fn check(&self) -> Vec<TrackError> {
        let mut problems = Vec::new();
        let mut buf = Vec::new();
        for e in &self.index {
            buf.clear();
            if let Err(err) = self.read_run(e, &mut buf) {
                problems.push(err);
                continue;
            }
            if buf
                .windows(2)
                .any(|w| w[0].device_time_ms >= w[1].device_time_ms)
            {
                problems.push(TrackError::Corrupt {
                    path: self.path.clone(),
                    offset: e.offset,
                    reason: format!(
                        "vehicle {} positions not strictly ordered by time",
                        e.vehicle_id
                    ),
                });
            }
            if let Some(p) = buf.iter().find(|p| p.day() != self.day) {
                problems.push(TrackError::Corrupt {
                    path: self.path.clone(),
                    offset: e.offset,
                    reason: format!(
                        "vehicle {} has a position of another day (device time {})",
                        e.vehicle_id, p.device_time_ms
                    ),
                });
            }
        }
        problems
    }
}

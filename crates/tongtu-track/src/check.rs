//! `tongtu admin check-tracks`: verifies every segment (footer, index, each block's CRC,
//! decoding, agreement with its index entry, order, day) and every WAL file (record CRCs).

use std::path::Path;

use crate::segment::{parse_day_dir, Segment};
use crate::wal;

/// The outcome of a check.
#[derive(Debug, Default)]
pub struct CheckReport {
    /// Segment files examined.
    pub segments: usize,
    /// Vehicle blocks examined.
    pub blocks: usize,
    /// Positions decoded.
    pub positions: u64,
    /// Segment bytes.
    pub bytes: u64,
    /// WAL files examined.
    pub wal_files: usize,
    /// Positions in WAL files.
    pub wal_positions: u64,
    /// Problems, each naming file, byte offset and what is wrong.
    pub problems: Vec<String>,
    /// Informational notes (e.g. a torn tail on the WAL file a running server is writing).
    pub notes: Vec<String>,
}

impl CheckReport {
    /// True when nothing is wrong.
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Checks the store in `root` without modifying it (safe while the server runs).
pub fn check_store(root: &Path) -> CheckReport {
    let mut r = CheckReport::default();
    let sdir = root.join("segments");
    let mut days: Vec<_> = match std::fs::read_dir(&sdir) {
        Ok(d) => d.filter_map(|e| e.ok()).collect(),
        Err(e) => {
            r.problems.push(format!("{}: {e}", sdir.display()));
            Vec::new()
        }
    };
    days.sort_by_key(|e| e.file_name());
    for d in days {
        let name = d.file_name().to_string_lossy().into_owned();
        let Some(day) = parse_day_dir(&name) else {
            r.notes.push(format!(
                "{}: not a day directory, ignored",
                d.path().display()
            ));
            continue;
        };
        let mut files: Vec<_> = match std::fs::read_dir(d.path()) {
            Ok(f) => f.filter_map(|e| e.ok()).map(|e| e.path()).collect(),
            Err(e) => {
                r.problems.push(format!("{}: {e}", d.path().display()));
                continue;
            }
        };
        files.sort();
        for path in files {
            let fname = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if fname.ends_with(".seg.tmp") {
                r.notes.push(format!(
                    "{}: unfinished compaction output (removed at next start)",
                    path.display()
                ));
                continue;
            }
            if !fname.ends_with(".seg") {
                continue;
            }
            r.segments += 1;
            let seg = match Segment::open(&path) {
                Ok(s) => s,
                Err(e) => {
                    r.problems.push(e.to_string());
                    continue;
                }
            };
            if seg.day != day {
                r.problems.push(format!(
                    "{}: footer says day {} but it is filed under {name}",
                    path.display(),
                    crate::segment::day_dir_name(seg.day)
                ));
            }
            r.bytes += seg.bytes;
            r.blocks += seg.index.len();
            r.positions += seg.index.iter().map(|e| u64::from(e.count)).sum::<u64>();
            r.problems
                .extend(seg.check().into_iter().map(|e| e.to_string()));
        }
    }
    let wdir = root.join("wal");
    match wal::list(&wdir) {
        Ok(seqs) => {
            let newest = seqs.last().copied();
            for seq in seqs {
                let path = wal::wal_path(&wdir, seq);
                r.wal_files += 1;
                match wal::replay(&path) {
                    Ok(rep) => {
                        r.wal_positions += rep.positions.len() as u64;
                        if let Some(t) = rep.tail {
                            let msg = format!(
                                "{}: byte {}: {} ({} bytes after it)",
                                path.display(),
                                t.offset,
                                t.reason,
                                t.dropped_bytes
                            );
                            // The newest file may be mid-write under a running server, and a
                            // torn tail is never acknowledged data: note it, do not fail.
                            if Some(seq) == newest {
                                r.notes
                                    .push(format!("{msg}; unacknowledged tail, cut at next start"));
                            } else {
                                r.problems.push(msg);
                            }
                        }
                    }
                    Err(e) => r.problems.push(e.to_string()),
                }
            }
        }
        Err(e) => r.problems.push(e.to_string()),
    }
    r
}

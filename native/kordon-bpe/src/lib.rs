//! Counting-only byte-pair encoding for Kordon's prompt token counts.
//!
//! A derivative of tiktoken's `CoreBPE` (https://github.com/openai/tiktoken, MIT License,
//! Copyright (c) 2022 OpenAI, Shantanu Jain): the same pre-tokenising regex engine and version
//! (fancy-regex), the same whole-piece fast path and the same merges (`_byte_pair_merge`, and
//! `_byte_pair_merge_large` for pieces of 100 bytes or more), so `count` equals
//! `len(CoreBPE.encode_ordinary(text))`. Left out is all that counting never needs: the
//! decoder, the sorted token list, special tokens, per-thread regex clones and the token list
//! itself. The ranks live in one byte blob (every token back to back, rank = line number
//! in the .tiktoken file), one u32 offset per token and one hash table of u32 ranks: ~4 MiB
//! for o200k where tiktoken's three tables take ~40.

use base64::{engine::general_purpose::STANDARD, Engine as _};
use fancy_regex::Regex;
use flate2::read::GzDecoder;
use hashbrown::HashTable;
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use rustc_hash::FxBuildHasher;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::hash::BuildHasher;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

type Rank = u32;

/// Token bytes -> rank, for the ranks of one .tiktoken file.
struct Ranks {
    blob: Vec<u8>,
    /// Token `r` is `blob[offsets[r]..offsets[r + 1]]`.
    offsets: Vec<u32>,
    /// Ranks, found by the FxHash of their token's bytes (tiktoken hashes with Fx too).
    table: HashTable<Rank>,
}

fn token<'a>(blob: &'a [u8], offsets: &[u32], rank: Rank) -> &'a [u8] {
    let r = rank as usize;
    &blob[offsets[r] as usize..offsets[r + 1] as usize]
}

fn bad_line(rank: Rank) -> PyErr {
    PyValueError::new_err(format!("line {}: expected `base64 rank`", rank + 1))
}

/// Calls `each(rank, base64 token)` for every line of a gzipped .tiktoken file
/// (`base64(token) rank` per line, ranks 0, 1, 2, ...), streaming: one line in memory at a time.
fn for_each_token(path: &Path, mut each: impl FnMut(Rank, &[u8])) -> PyResult<()> {
    let file = File::open(path)?;
    let mut lines = BufReader::new(GzDecoder::new(file));
    let mut line = Vec::new();
    let mut expected: Rank = 0;
    loop {
        line.clear();
        if lines.read_until(b'\n', &mut line)? == 0 {
            return Ok(());
        }
        let text = line.trim_ascii_end();
        if text.is_empty() {
            continue;
        }
        let bad = || bad_line(expected);
        let space = text.iter().position(|&b| b == b' ').ok_or_else(bad)?;
        let rank: Rank = std::str::from_utf8(&text[space + 1..])
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or_else(bad)?;
        if rank != expected {
            // Storing rank = position is what keeps the table a plain u32 per token.
            return Err(PyValueError::new_err(format!(
                "line {}: rank {rank} out of sequence",
                expected + 1
            )));
        }
        each(rank, &text[..space]);
        expected += 1;
    }
}

impl Ranks {
    /// Loads a gzipped .tiktoken file in two streaming passes: the first sizes every array
    /// exactly, so loading leaves no grown-and-freed buffers behind in the heap.
    fn load(path: &Path) -> PyResult<Self> {
        let (mut count, mut size) = (0usize, 0usize);
        for_each_token(path, |_, b64| {
            count += 1;
            let padding = b64.iter().rev().take_while(|&&b| b == b'=').count();
            size += (b64.len() / 4 * 3).saturating_sub(padding);
        })?;
        let mut blob = Vec::with_capacity(size);
        let mut offsets = Vec::with_capacity(count + 1);
        offsets.push(0u32);
        let mut invalid = None;
        for_each_token(path, |rank, b64| {
            if STANDARD.decode_vec(b64, &mut blob).is_err() {
                invalid.get_or_insert(rank);
            }
            offsets.push(blob.len() as u32);
        })?;
        if let Some(rank) = invalid {
            return Err(bad_line(rank));
        }
        u32::try_from(blob.len()).map_err(|_| PyValueError::new_err("ranks file too large"))?;
        let hasher = FxBuildHasher;
        let mut table = HashTable::with_capacity(count);
        for rank in 0..(offsets.len() - 1) as Rank {
            let bytes = token(&blob, &offsets, rank);
            let hash = hasher.hash_one(bytes);
            if table
                .find(hash, |&r| token(&blob, &offsets, r) == bytes)
                .is_some()
            {
                return Err(PyValueError::new_err(format!(
                    "rank {rank}: duplicate token"
                )));
            }
            table.insert_unique(hash, rank, |&r| hasher.hash_one(token(&blob, &offsets, r)));
        }
        Ok(Ranks {
            blob,
            offsets,
            table,
        })
    }

    fn get(&self, bytes: &[u8]) -> Option<Rank> {
        let hash = FxBuildHasher.hash_one(bytes);
        self.table
            .find(hash, |&r| token(&self.blob, &self.offsets, r) == bytes)
            .copied()
    }

    fn rank_or_max(&self, bytes: &[u8]) -> Rank {
        self.get(bytes).unwrap_or(Rank::MAX)
    }

    /// Tokens in one pre-tokenised piece: tiktoken's `_encode_ordinary_native` loop body and
    /// `byte_pair_encode` (the scan below 100 bytes, the heap from 100 on, as tiktoken does).
    fn piece_tokens(&self, piece: &[u8]) -> usize {
        if piece.len() == 1 || self.get(piece).is_some() {
            return 1;
        }
        if piece.len() < 100 {
            return self.byte_pair_merge(piece).len() - 1;
        }
        self.byte_pair_merge_large(piece)
    }

    /// tiktoken's `_byte_pair_merge_large`: the same merges in the same order (lowest rank
    /// first, the leftmost on a tie), found with a min-heap of (rank, start) in O(m log n)
    /// instead of a scan per merge; stale heap entries are skipped when popped. Returns the
    /// number of parts left, i.e. of tokens.
    fn byte_pair_merge_large(&self, piece: &[u8]) -> usize {
        /// The part starting at this byte: [start, end), the next part ends at `next_end`, and
        /// `next_rank` is the rank of the two merged (MAX: not a token, or no longer valid).
        struct Part {
            prev: usize,
            end: usize,
            next_end: usize,
            next_rank: Rank,
        }
        let mut parts: Vec<Part> = (0..piece.len())
            .map(|i| Part {
                prev: i.wrapping_sub(1),
                end: i + 1,
                next_end: i + 2,
                next_rank: Rank::MAX,
            })
            .collect();
        let mut heap = BinaryHeap::with_capacity(piece.len());
        for i in 0..piece.len() - 1 {
            if let Some(rank) = self.get(&piece[i..i + 2]) {
                heap.push(Reverse((rank, i)));
                parts[i].next_rank = rank;
            }
        }
        // Point the part at `start` to a new right neighbour ending at `next_end`, and queue
        // their merge if it is a token.
        let requeue = |parts: &mut Vec<Part>, heap: &mut BinaryHeap<_>, start: usize, next_end| {
            parts[start].next_end = next_end;
            parts[start].next_rank = Rank::MAX;
            if next_end <= piece.len() {
                if let Some(rank) = self.get(&piece[start..next_end]) {
                    heap.push(Reverse((rank, start)));
                    parts[start].next_rank = rank;
                }
            }
        };
        let mut count = piece.len();
        while let Some(Reverse((rank, left))) = heap.pop() {
            if rank != parts[left].next_rank {
                continue;
            }
            let right = parts[left].end;
            let right_end = parts[left].next_end;
            let right_next_end = parts[right].next_end;
            parts[left].end = right_end;
            requeue(&mut parts, &mut heap, left, right_next_end);
            if right_end < parts.len() {
                parts[right_end].prev = left;
            }
            if left > 0 {
                let prev = parts[left].prev;
                requeue(&mut parts, &mut heap, prev, right_end);
            }
            parts[right].next_rank = Rank::MAX;
            count -= 1;
        }
        count
    }

    /// tiktoken's `_byte_pair_merge` (pieces under 100 bytes), unchanged in substance: `parts` holds (start, rank of the
    /// pair starting there); repeatedly merge the lowest-ranked pair (the leftmost on a tie)
    /// until no adjacent pair is a token. The pieces are `parts` windows, so tokens = len - 1.
    fn byte_pair_merge(&self, piece: &[u8]) -> Vec<(usize, Rank)> {
        let mut parts = Vec::with_capacity(piece.len() + 1);
        let mut min_rank: (Rank, usize) = (Rank::MAX, usize::MAX);
        for i in 0..piece.len() - 1 {
            let rank = self.rank_or_max(&piece[i..i + 2]);
            if rank < min_rank.0 {
                min_rank = (rank, i);
            }
            parts.push((i, rank));
        }
        parts.push((piece.len() - 1, Rank::MAX));
        parts.push((piece.len(), Rank::MAX));

        // The rank of parts[i] merged with what follows parts[i + 1] (which is about to go).
        let get_rank = |parts: &Vec<(usize, Rank)>, i: usize| {
            if i + 3 < parts.len() {
                self.rank_or_max(&piece[parts[i].0..parts[i + 3].0])
            } else {
                Rank::MAX
            }
        };

        while min_rank.0 != Rank::MAX {
            let i = min_rank.1;
            if i > 0 {
                parts[i - 1].1 = get_rank(&parts, i - 1);
            }
            parts[i].1 = get_rank(&parts, i);
            parts.remove(i + 1);

            min_rank = (Rank::MAX, usize::MAX);
            for (i, &(_, rank)) in parts[..parts.len() - 1].iter().enumerate() {
                if rank < min_rank.0 {
                    min_rank = (rank, i);
                }
            }
        }
        parts
    }
}

/// Counts tokens of one encoding: its ranks and its split pattern.
#[pyclass(frozen, module = "kordon_bpe")]
struct Counter {
    ranks: Ranks,
    regex: Regex,
}

#[pymethods]
impl Counter {
    /// `ranks_path`: the encoding's gzipped .tiktoken file; `pattern`: its split regex.
    #[new]
    fn new(py: Python<'_>, ranks_path: PathBuf, pattern: &str) -> PyResult<Self> {
        let ranks = py.detach(|| Ranks::load(&ranks_path))?;
        if (0..=255u8).any(|b| ranks.get(&[b]).is_none()) {
            // Every piece must split down to tokens; tiktoken would panic on such a file.
            return Err(PyValueError::new_err(
                "ranks file lacks a single-byte token",
            ));
        }
        let regex = Regex::new(pattern).map_err(|e| PyValueError::new_err(e.to_string()))?;
        Ok(Counter { ranks, regex })
    }

    /// Tokens in `text` as ordinary text (special-token markup is not interpreted).
    fn count(&self, py: Python<'_>, text: &str) -> PyResult<usize> {
        py.detach(|| {
            let mut total = 0;
            for found in self.regex.find_iter(text) {
                total += self.ranks.piece_tokens(found?.as_str().as_bytes());
            }
            Ok::<usize, fancy_regex::Error>(total)
        })
        .map_err(|e| PyRuntimeError::new_err(e.to_string()))
    }

    /// Tokens in the vocabulary (ordinary ones; special tokens are not counted as such).
    #[getter]
    fn vocabulary_size(&self) -> usize {
        self.ranks.offsets.len() - 1
    }
}

#[pymodule]
fn kordon_bpe(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_class::<Counter>()
}

//! Open-addressing hash tables for the label path's lookups: a normalized
//! word packed into a `u128` (up to 16 bytes) -> term id, and a pair of
//! term ids packed into a `u64` -> feature column. Keys are integers, so a
//! lookup is a multiply, a shift and one or two probes into flat arrays:
//! no string comparison, no pointer chasing. Tables are built from sorted
//! key arrays (what a model file stores), at most 3/4 full, linear probing.

/// An empty slot's key. Never a real key: packed words hold no zero-length
/// word, and term ids stay far below `u32::MAX`.
const EMPTY_WORD: u128 = 0;
const EMPTY_PAIR: u64 = u64::MAX;

fn capacity(n: usize) -> usize {
    (n * 4 / 3 + 1).next_power_of_two().max(16)
}

/// Fibonacci hashing: the multiply spreads every input bit into the high
/// bits, which the shift keeps.
#[inline]
fn slot_u64(key: u64, shift: u32) -> usize {
    (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> shift) as usize
}

#[inline]
fn fold(key: u128) -> u64 {
    (key as u64) ^ ((key >> 64) as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F)
}

/// Asks the CPU to bring the cache line at `p` in: lookups of a document
/// are known before they are made, so the next ones' memory can load while
/// the current one is used.
#[inline(always)]
pub(crate) fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint; it never faults, whatever the address.
    unsafe {
        std::arch::x86_64::_mm_prefetch(p as *const i8, std::arch::x86_64::_MM_HINT_T0);
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// One slot of a [`WordTable`]: key and id side by side, aligned so that a
/// slot never straddles two cache lines: a probe is one line.
#[derive(Clone, Copy, Debug)]
#[repr(align(32))]
struct WordSlot {
    key: [u64; 2],
    id: u32,
}

/// Packed word -> term id.
#[derive(Clone, Debug, Default)]
pub(crate) struct WordTable {
    slots: Vec<WordSlot>,
    shift: u32,
    len: usize,
}

fn split(key: u128) -> [u64; 2] {
    [key as u64, (key >> 64) as u64]
}

impl WordTable {
    /// A table of `keys` (distinct, none zero) and their ids.
    pub(crate) fn build(keys: &[u128], ids: &[u32]) -> WordTable {
        let cap = capacity(keys.len());
        let empty = WordSlot {
            key: split(EMPTY_WORD),
            id: 0,
        };
        let mut table = WordTable {
            slots: vec![empty; cap],
            shift: 64 - cap.trailing_zeros(),
            len: keys.len(),
        };
        let mask = cap - 1;
        for (&k, &id) in keys.iter().zip(ids) {
            let mut s = slot_u64(fold(k), table.shift);
            while table.slots[s].key != empty.key {
                s = (s + 1) & mask;
            }
            table.slots[s] = WordSlot { key: split(k), id };
        }
        table
    }

    /// The id of a packed word.
    #[inline]
    pub(crate) fn get(&self, key: u128) -> Option<u32> {
        if self.len == 0 {
            return None;
        }
        let mask = self.slots.len() - 1;
        let want = split(key);
        let mut s = slot_u64(fold(key), self.shift);
        loop {
            let slot = &self.slots[s];
            if slot.key == want {
                return Some(slot.id);
            }
            if slot.key == [0, 0] {
                return None;
            }
            s = (s + 1) & mask;
        }
    }

    /// Entries.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Prefetches the slot where `key` would be.
    #[inline(always)]
    pub(crate) fn prefetch(&self, key: u128) {
        if self.len > 0 {
            let s = slot_u64(fold(key), self.shift);
            prefetch(self.slots.as_ptr().wrapping_add(s));
        }
    }

    /// Every key and id, sorted by key (what a model file stores).
    pub(crate) fn entries(&self) -> (Vec<u128>, Vec<u32>) {
        let mut all: Vec<(u128, u32)> = self
            .slots
            .iter()
            .filter(|s| s.key != [0, 0])
            .map(|s| (s.key[0] as u128 | ((s.key[1] as u128) << 64), s.id))
            .collect();
        all.sort_unstable();
        all.into_iter().unzip()
    }

    /// Bytes of memory the table holds.
    #[cfg(test)]
    pub(crate) fn heap_bytes(&self) -> usize {
        self.slots.len() * std::mem::size_of::<WordSlot>()
    }
}

/// One slot of a [`PairTable`] (aligned: one cache line per probe).
#[derive(Clone, Copy, Debug)]
#[repr(align(16))]
struct PairSlot {
    key: u64,
    col: u32,
}

/// Pair of term ids -> column.
#[derive(Clone, Debug, Default)]
pub(crate) struct PairTable {
    slots: Vec<PairSlot>,
    shift: u32,
    len: usize,
}

/// The key of a pair of term ids.
#[inline]
pub(crate) fn pair_key(a: u32, b: u32) -> u64 {
    ((a as u64) << 32) | b as u64
}

impl PairTable {
    /// A table of `keys` (distinct) and their columns.
    pub(crate) fn build(keys: &[u64], cols: &[u32]) -> PairTable {
        let cap = capacity(keys.len());
        let empty = PairSlot {
            key: EMPTY_PAIR,
            col: 0,
        };
        let mut table = PairTable {
            slots: vec![empty; cap],
            shift: 64 - cap.trailing_zeros(),
            len: keys.len(),
        };
        let mask = cap - 1;
        for (&key, &col) in keys.iter().zip(cols) {
            let mut s = slot_u64(key, table.shift);
            while table.slots[s].key != EMPTY_PAIR {
                s = (s + 1) & mask;
            }
            table.slots[s] = PairSlot { key, col };
        }
        table
    }

    /// Prefetches the slot where `key` would be.
    #[inline(always)]
    pub(crate) fn prefetch(&self, key: u64) {
        if self.len > 0 {
            let s = slot_u64(key, self.shift);
            prefetch(self.slots.as_ptr().wrapping_add(s));
        }
    }

    /// The column of a pair.
    #[inline]
    pub(crate) fn get(&self, key: u64) -> Option<u32> {
        if self.len == 0 {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut s = slot_u64(key, self.shift);
        loop {
            let slot = &self.slots[s];
            if slot.key == key {
                return Some(slot.col);
            }
            if slot.key == EMPTY_PAIR {
                return None;
            }
            s = (s + 1) & mask;
        }
    }

    /// Bytes of memory the table holds.
    #[cfg(test)]
    pub(crate) fn heap_bytes(&self) -> usize {
        self.slots.len() * std::mem::size_of::<PairSlot>()
    }
}

/// A normalized word (UTF-8, 1 to 16 bytes) packed into an integer,
/// little-endian, zero-padded; `None` if it is longer.
#[inline]
pub(crate) fn pack_word(word: &[u8]) -> Option<u128> {
    if word.is_empty() || word.len() > 16 {
        return None;
    }
    let mut bytes = [0u8; 16];
    bytes[..word.len()].copy_from_slice(word);
    Some(u128::from_le_bytes(bytes))
}

/// The bytes of a packed word.
pub(crate) fn unpack_word(key: u128) -> ([u8; 16], usize) {
    let bytes = key.to_le_bytes();
    let len = 16 - (key.leading_zeros() / 8) as usize;
    (bytes, len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_pack_and_tables_find_them() {
        let words = ["border", "école", "a", "exactly16bytes!!", "immigr"];
        let keys: Vec<u128> = words
            .iter()
            .map(|w| pack_word(w.as_bytes()).unwrap())
            .collect();
        assert_eq!(pack_word(b"seventeen bytes!!"), None);
        for (w, k) in words.iter().zip(&keys) {
            let (bytes, len) = unpack_word(*k);
            assert_eq!(&bytes[..len], w.as_bytes());
        }
        let table = WordTable::build(&keys, &[10, 11, 12, 13, 14]);
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(table.get(*k), Some(10 + i as u32));
        }
        assert_eq!(table.get(pack_word(b"borders").unwrap()), None);
        assert_eq!(table.heap_bytes(), 16 * 32, "aligned slots, at least 16");
        assert_eq!(table.entries(), {
            let mut sorted: Vec<(u128, u32)> = keys.iter().copied().zip(10..).collect();
            sorted.sort_unstable();
            sorted.into_iter().unzip::<u128, u32, Vec<u128>, Vec<u32>>()
        });
        assert_eq!(WordTable::default().get(keys[0]), None);
    }

    #[test]
    fn pair_tables_hold_many_keys() {
        let keys: Vec<u64> = (0..50_000u32).map(|i| pair_key(i, i * 7 + 1)).collect();
        let cols: Vec<u32> = (0..50_000).collect();
        let table = PairTable::build(&keys, &cols);
        for (k, c) in keys.iter().zip(&cols) {
            assert_eq!(table.get(*k), Some(*c));
        }
        assert_eq!(table.get(pair_key(3, 4)), None);
        assert!(table.heap_bytes() >= 50_000 * 16);
    }
}

//! The ids an import hands out before writing: the next free product and category
//! ids, and product uids.

/// Ids the planner hands out: the next free product and category ids, and product uids
/// of the column's form (`p-` and 16 hex digits) from a random start, increasing by a
/// random step so that an import appends to the uid index instead of landing on random
/// pages of it.
#[derive(Debug, Clone)]
pub struct Ids {
    pub next_product: i64,
    pub next_category: i64,
    uid: u64,
    state: u64,
}

impl Ids {
    /// `seed`: 16 random bytes (SQLite's `randomblob`, as the column default uses).
    pub fn new(next_product: i64, next_category: i64, seed: [u8; 16]) -> Self {
        let (a, b) = seed.split_at(8);
        let start = u64::from_be_bytes(a.try_into().unwrap_or_default()) >> 2;
        Self { next_product, next_category, uid: start, state: u64::from_be_bytes(b.try_into().unwrap_or_default()) }
    }

    pub(super) fn product(&mut self) -> (i64, String) {
        // splitmix64: steps of 1 to 2^24, so a million products span under 2^45 of the
        // 2^64 uids and never wrap.
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        self.uid = self.uid.wrapping_add(1 + ((z ^ (z >> 31)) >> 40));
        let id = self.next_product;
        self.next_product += 1;
        (id, format!("p-{:016x}", self.uid))
    }

    pub(super) fn category(&mut self) -> i64 {
        let id = self.next_category;
        self.next_category += 1;
        id
    }
}

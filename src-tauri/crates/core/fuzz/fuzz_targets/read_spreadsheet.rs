#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

// Seed the corpus with tests/fixtures/shop.{xlsx,ods,xls}: the format is decided by
// the first bytes, so mutations of each reach its reader.
fuzz_target!(init: common::quiet_caught_panics(), |data: &[u8]| {
    common::exercise(data, "stock.xlsx");
});

#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(init: common::quiet_caught_panics(), |data: &[u8]| {
    common::exercise(data, "stock.csv");
});

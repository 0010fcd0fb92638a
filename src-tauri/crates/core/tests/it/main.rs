//! comptoir-core integration tests: one binary (one link), a module per area, each
//! test against a real SQLite file in a temporary data directory.

mod catalogue;
mod import;
mod photos;
mod support;

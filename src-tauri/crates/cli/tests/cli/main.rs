//! comptoir-cli end to end: the real binary on a temporary data directory.

mod backup;
mod catalogue;
mod import;
mod orders;
mod photos;
mod promos;
mod report;
mod support;
mod sync;

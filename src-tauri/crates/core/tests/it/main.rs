//! comptoir-core integration tests: one binary (one link), a module per area, each
//! test against a real SQLite file in a temporary data directory.

mod backup;
mod catalogue;
mod cutting_proxy;
mod fault_proxy;
mod import;
mod import_promotions;
mod market;
mod notif_server;
mod order_exports;
mod orders;
mod photos;
mod promotions;
mod recover;
mod report;
mod stored_json;
mod support;
mod sync;
mod sync_faults;
mod sync_pages;
mod sync_photos;
mod sync_vocabulary;
mod sync_worker;
mod update;

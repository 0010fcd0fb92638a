//! The desktop app's tests, in one binary (one link of the large Tauri dependency tree):
//! - `bindings`: the committed TypeScript bindings match the Rust commands;
//! - `ipc`: every command through Tauri's mock runtime, with a real SQLite file;
//! - `e2e`: the real app window under X (Xvfb in CI), driven by tauri-driver;
//! - `updates`: the updater plugin and the update commands against a loopback server;
//! - `packaging`: the installers' configuration (and, ignored, the packaging test);
//! - `bench`: ignored; start-up time and idle memory of the real app, printed;
//! - `creep`: ignored; memory over an hour of simulated use, printed.

mod bench;
mod bindings;
mod creep;
pub mod e2e;
mod ipc;
mod packaging;
mod updates;

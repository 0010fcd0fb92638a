//! The desktop app's tests, in one binary (one link of the large Tauri dependency tree):
//! - `bindings`: the committed TypeScript bindings match the Rust commands;
//! - `ipc`: every command through Tauri's mock runtime, with a real SQLite file;
//! - `e2e`: the real app window under X (Xvfb in CI), driven by tauri-driver;
//! - `bench`: ignored; start-up time and idle memory of the real app, printed.

mod bench;
mod bindings;
pub mod e2e;
mod ipc;

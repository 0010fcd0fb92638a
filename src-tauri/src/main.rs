// No console window next to the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

// Imports plan rows on one thread while SQLite writes them on another: with the system
// allocator every string freed on the other thread is a locked operation (glibc's
// arenas); mimalloc frees them cheaply, on Windows, macOS and Linux alike.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    comptoir_app::run();
}

// tauri.conf.json sits at the repository root (next to the root Cargo.toml), but the
// app's capability files live with its sources in src-tauri/capabilities.
fn main() {
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    println!("cargo:rerun-if-changed=ui/dist");
    tauri_build::try_build(tauri_build::Attributes::new().capabilities_path_pattern("./src-tauri/capabilities/**/*"))
        .expect("tauri build script failed");
}

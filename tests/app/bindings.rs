use std::path::Path;

/// The UI imports `ui/src/lib/bindings.ts`; it must describe exactly today's commands.
/// `UPDATE_BINDINGS=1` rewrites it instead of failing.
#[test]
fn typescript_bindings_are_up_to_date() {
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/src/lib/bindings.ts");
    let dir = tempfile::tempdir().unwrap();
    let fresh = dir.path().join("bindings.ts");
    comptoir_app::export_bindings(&fresh).expect("export bindings");
    let fresh = std::fs::read_to_string(&fresh).unwrap();
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&committed, &fresh).unwrap();
        return;
    }
    let current = std::fs::read_to_string(&committed).unwrap_or_default();
    assert!(
        current == fresh,
        "ui/src/lib/bindings.ts is stale: run `UPDATE_BINDINGS=1 cargo test --test app bindings` and commit it"
    );
}

use assert_cmd::Command;

/// A data directory of its own for each test, passed the way users do (`--data-dir`)
/// or through the environment variable.
pub struct Shop {
    pub dir: tempfile::TempDir,
}

impl Shop {
    pub fn new() -> Self {
        Self { dir: tempfile::tempdir().unwrap() }
    }

    pub fn cli(&self) -> Command {
        let mut c = Command::cargo_bin("comptoir-cli").unwrap();
        c.arg("--data-dir").arg(self.dir.path());
        c
    }

    /// Runs and parses stdout as JSON, failing with stderr if the command failed.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let out = self.cli().args(args).output().unwrap();
        assert!(out.status.success(), "{args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

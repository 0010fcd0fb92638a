//! The operating system a report was made on, as its own tools name it: support needs
//! « Windows 10 » or « Debian 12 », not only `windows` or `linux`.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct System {
    /// `linux`, `macos`, `windows` (Rust's names).
    pub os: &'static str,
    pub arch: &'static str,
    /// The system's own name and version (« Debian GNU/Linux 12 (bookworm) »,
    /// « macOS 14.5 », « Microsoft Windows [version 10.0.19045.4529] »).
    pub name: String,
    /// The kernel, where the system says it apart (Linux, macOS).
    pub kernel: Option<String>,
}

/// Reads what the system says about itself; never fails (an unknown part stays empty).
pub fn describe() -> System {
    let (name, kernel) = platform();
    System { os: std::env::consts::OS, arch: std::env::consts::ARCH, name, kernel }
}

#[cfg(target_os = "linux")]
fn platform() -> (String, Option<String>) {
    let release = std::fs::read_to_string("/etc/os-release")
        .or_else(|_| std::fs::read_to_string("/usr/lib/os-release"))
        .unwrap_or_default();
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").ok().map(|k| k.trim().to_owned());
    (os_release_name(&release), kernel)
}

/// `PRETTY_NAME` of an os-release file, else `NAME VERSION_ID`.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn os_release_name(release: &str) -> String {
    let get = |key: &str| {
        release.lines().find_map(|l| {
            let (k, v) = l.split_once('=')?;
            (k.trim() == key).then(|| v.trim().trim_matches(['"', '\'']).to_owned())
        })
    };
    get("PRETTY_NAME").unwrap_or_else(|| {
        [get("NAME"), get("VERSION_ID")].into_iter().flatten().collect::<Vec<_>>().join(" ").trim().to_owned()
    })
}

#[cfg(target_os = "macos")]
fn platform() -> (String, Option<String>) {
    let run = |program: &str, args: &[&str]| {
        std::process::Command::new(program)
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .filter(|s| !s.is_empty())
    };
    let name = [run("sw_vers", &["-productName"]), run("sw_vers", &["-productVersion"])]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let build = run("sw_vers", &["-buildVersion"]).map(|b| format!(" ({b})")).unwrap_or_default();
    (format!("{name}{build}"), run("uname", &["-r"]))
}

#[cfg(target_os = "windows")]
fn platform() -> (String, Option<String>) {
    use std::os::windows::process::CommandExt;
    // CREATE_NO_WINDOW: no console flashing over the app while the report is made.
    const CREATE_NO_WINDOW: u32 = 0x0800_0000;
    let name = std::process::Command::new("cmd")
        .args(["/d", "/c", "ver"])
        .creation_flags(CREATE_NO_WINDOW)
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "Windows".to_owned());
    (name, None)
}

#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
fn platform() -> (String, Option<String>) {
    (std::env::consts::OS.to_owned(), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_release_names() {
        let debian = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\n";
        assert_eq!(os_release_name(debian), "Debian GNU/Linux 12 (bookworm)");
        assert_eq!(os_release_name("NAME=Alpine\nVERSION_ID=3.20.1\n"), "Alpine 3.20.1");
        assert_eq!(os_release_name(""), "");
        assert!(!describe().os.is_empty());
    }
}

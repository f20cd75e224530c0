//! A service started from its systemd unit the way systemd starts it, for
//! the directives deploy/duet.service uses: `ExecStart`, `EnvironmentFile`,
//! `LoadCredential`, `StateDirectory` and `DynamicUser` (an unprivileged uid
//! of its own). Paths in the unit are taken under `root`, the folder
//! deploy/install.sh installed into. Directives that would change which
//! program runs, as whom, where or with what environment are refused, so the
//! unit cannot drift from this test unnoticed. The sandbox (ProtectSystem=,
//! SystemCallFilter=, capabilities, …) is not applied: systemd is not PID 1
//! here; `systemd-analyze verify` and `security --offline` check those lines.

use std::{
    os::unix::fs::{chown, PermissionsExt},
    path::{Path, PathBuf},
};

use tokio::process::{Child, Command};

/// In systemd's range for dynamic users (61184–65519).
pub const DYNAMIC_UID: u32 = 61_234;

pub struct Unit {
    exec_start: Vec<String>,
    environment_files: Vec<(String, bool)>,
    credentials: Vec<(String, String)>,
    state_directory: Option<String>,
}

impl Unit {
    pub fn read(path: &Path) -> Unit {
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut unit =
            Unit { exec_start: vec![], environment_files: vec![], credentials: vec![], state_directory: None };
        let mut dynamic_user = false;
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with(['#', ';', '['])) {
            let (key, value) = line.split_once('=').unwrap_or_else(|| panic!("not a directive: {line}"));
            match key {
                "ExecStart" => unit.exec_start = value.split_whitespace().map(str::to_owned).collect(),
                "EnvironmentFile" => match value.strip_prefix('-') {
                    Some(optional) => unit.environment_files.push((optional.to_owned(), true)),
                    None => unit.environment_files.push((value.to_owned(), false)),
                },
                "LoadCredential" => {
                    let (name, source) = value.split_once(':').expect("LoadCredential=NAME:PATH");
                    unit.credentials.push((name.to_owned(), source.to_owned()));
                }
                "StateDirectory" => unit.state_directory = Some(value.to_owned()),
                "DynamicUser" => dynamic_user = value == "yes",
                "User"
                | "Group"
                | "WorkingDirectory"
                | "RootDirectory"
                | "Environment"
                | "ExecStartPre"
                | "SetCredential"
                | "LoadCredentialEncrypted"
                | "ImportCredential" => {
                    panic!("{}: {key}= is not emulated by e2e/src/systemd.rs; teach it first", path.display())
                }
                _ => {}
            }
        }
        assert!(dynamic_user, "the unit runs as its own unprivileged user (DynamicUser=yes)");
        assert!(!unit.exec_start.is_empty(), "the unit has an ExecStart");
        unit
    }

    /// The settings the unit's environment files give, as systemd reads them.
    pub fn environment(&self, root: &Path) -> Vec<(String, String)> {
        let mut vars = Vec::new();
        for (file, optional) in &self.environment_files {
            let path = under(root, file);
            let text = match std::fs::read_to_string(&path) {
                Ok(t) => t,
                Err(_) if *optional => continue,
                Err(e) => panic!("systemd would not start the unit: EnvironmentFile {}: {e}", path.display()),
            };
            for line in text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with(['#', ';'])) {
                let (k, v) =
                    line.split_once('=').unwrap_or_else(|| panic!("{}: not VAR=value: {line}", path.display()));
                let v = v.trim();
                let v = v
                    .strip_prefix('"')
                    .and_then(|v| v.strip_suffix('"'))
                    .or_else(|| v.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
                    .unwrap_or(v);
                vars.push((k.trim().to_owned(), v.to_owned()));
            }
        }
        vars
    }

    /// Starts the service: credentials copied into `run`/credentials for
    /// the service's user only, the state directory made and handed over,
    /// the environment files read, and ExecStart run as that user from `/`.
    pub fn start(&self, root: &Path, run: &Path, log: &Path) -> Child {
        let credentials = run.join("credentials");
        let _ = std::fs::remove_dir_all(&credentials);
        std::fs::create_dir_all(&credentials).unwrap();
        for (name, source) in &self.credentials {
            let from = under(root, source);
            let to = credentials.join(name);
            std::fs::copy(&from, &to)
                .unwrap_or_else(|e| panic!("systemd would not start the unit: LoadCredential {}: {e}", from.display()));
            std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o400)).unwrap();
            chown(&to, Some(DYNAMIC_UID), Some(DYNAMIC_UID)).unwrap();
        }
        std::fs::set_permissions(&credentials, std::fs::Permissions::from_mode(0o500)).unwrap();
        chown(&credentials, Some(DYNAMIC_UID), Some(DYNAMIC_UID)).unwrap();

        let mut command = Command::new("setpriv");
        command
            .args(["--reuid", &DYNAMIC_UID.to_string(), "--regid", &DYNAMIC_UID.to_string(), "--clear-groups", "--"])
            .arg(under(root, &self.exec_start[0]))
            .args(&self.exec_start[1..])
            .env_clear()
            .env("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
            .envs(self.environment(root))
            .env("CREDENTIALS_DIRECTORY", &credentials)
            .current_dir("/");
        if let Some(name) = &self.state_directory {
            let state = under(root, &format!("/var/lib/{name}"));
            std::fs::create_dir_all(&state).unwrap();
            std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o700)).unwrap();
            chown(&state, Some(DYNAMIC_UID), Some(DYNAMIC_UID)).unwrap();
            command.env("STATE_DIRECTORY", state);
        }
        let out = std::fs::File::create(log).unwrap();
        command
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .kill_on_drop(true)
            .spawn()
            .expect("setpriv (util-linux) starting the unit's ExecStart")
    }
}

/// `path` (absolute, as in the unit) inside `root`.
pub fn under(root: &Path, path: &str) -> PathBuf {
    root.join(path.trim_start_matches('/'))
}

/// Whether the service's user could read `path` itself (without systemd).
pub fn service_user_can_read(path: &Path) -> bool {
    std::process::Command::new("setpriv")
        .args(["--reuid", &DYNAMIC_UID.to_string(), "--regid", &DYNAMIC_UID.to_string(), "--clear-groups", "--"])
        .args(["cat", &path.to_string_lossy()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap()
        .success()
}

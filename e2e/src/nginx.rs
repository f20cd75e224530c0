//! A real nginx serving a shipped deploy/nginx/duet.conf, changed only as
//! its own comment tells an operator to: the domain replaced, and the
//! certificate paths pointed at a certificate (a throwaway one here). It is
//! included from a minimal nginx.conf, as Debian's includes sites-enabled/.

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use tokio::process::{Child, Command};

pub struct Nginx {
    _child: Child,
}

/// Writes the `site` file (as shipped) for `domain` and an nginx.conf
/// including it into `dir`; returns the nginx.conf's path.
pub fn configure(site: &Path, domain: &str, dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let made = rcgen::generate_simple_self_signed(vec![domain.to_string()]).unwrap();
    std::fs::write(dir.join("fullchain.pem"), made.cert.pem()).unwrap();
    std::fs::write(dir.join("privkey.pem"), made.key_pair.serialize_pem()).unwrap();
    let site = std::fs::read_to_string(site).unwrap();
    let site = site
        .replace("/etc/letsencrypt/live/duet.example.org", &dir.to_string_lossy())
        .replace("duet.example.org", domain);
    std::fs::write(dir.join("duet.conf"), site).unwrap();
    let main = format!(
        "pid {d}/nginx.pid;\nerror_log {d}/error.log;\nevents {{}}\nhttp {{\n  access_log {d}/access.log;\n  include {d}/duet.conf;\n}}\n",
        d = dir.display()
    );
    std::fs::write(dir.join("nginx.conf"), main).unwrap();
    dir.join("nginx.conf")
}

impl Nginx {
    /// nginx on the site's own ports, 80 and 443 (the test's network
    /// namespace has them free).
    pub async fn start(site: &Path, domain: &str, dir: &Path) -> Nginx {
        let conf = configure(site, domain, dir);
        let child = Command::new("/usr/sbin/nginx")
            .args(["-g", "daemon off;", "-c", &conf.to_string_lossy(), "-p", &dir.to_string_lossy()])
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(dir.join("stderr.log")).unwrap())
            .kill_on_drop(true)
            .spawn()
            .expect("nginx (cargo xtask setup installs nginx-light)");
        crate::wait_for_port("nginx to listen on 443", 443, Duration::from_secs(15)).await;
        Nginx { _child: child }
    }
}

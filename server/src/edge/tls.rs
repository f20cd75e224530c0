//! HTTPS in duet-server itself: a certificate from files (re-read on SIGHUP,
//! so a renewed one needs no restart and drops no call), or one made here
//! for a LAN (`--tls-self-signed`) and kept in the state directory.

use std::{
    path::{Path, PathBuf},
    sync::{Arc, RwLock},
};

use base64::Engine;
use rustls_pki_types::{pem::PemObject, CertificateDer, PrivateKeyDer};
use sha2::{Digest, Sha256};
use tokio_rustls::rustls::ServerConfig;

/// Where the certificate comes from.
#[derive(Debug, Clone)]
pub enum CertSource {
    Files {
        cert: PathBuf,
        key: PathBuf,
    },
    /// Made once for these names and kept in `dir`.
    SelfSigned {
        dir: PathBuf,
        names: Vec<String>,
    },
}

/// The TLS settings in force; `reload` swaps them for new connections only.
pub struct Tls {
    source: CertSource,
    config: RwLock<Arc<ServerConfig>>,
    /// SHA-256 of the certificate (DER), for people to compare.
    fingerprint: RwLock<String>,
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Tls({:?})", self.source)
    }
}

impl Tls {
    pub fn load(source: CertSource) -> Result<Self, String> {
        let (config, fingerprint) = build(&source)?;
        Ok(Tls { source, config: RwLock::new(Arc::new(config)), fingerprint: RwLock::new(fingerprint) })
    }

    pub fn acceptor(&self) -> tokio_rustls::TlsAcceptor {
        tokio_rustls::TlsAcceptor::from(self.config.read().unwrap_or_else(|p| p.into_inner()).clone())
    }

    pub fn fingerprint(&self) -> String {
        self.fingerprint.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// A real certificate (not made here), so browsers may be told to insist on HTTPS.
    pub fn is_trusted_kind(&self) -> bool {
        matches!(self.source, CertSource::Files { .. })
    }

    /// Re-reads the certificate files; on any error the old ones stay.
    pub fn reload(&self) {
        match build(&self.source) {
            Ok((config, fingerprint)) => {
                *self.config.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(config);
                *self.fingerprint.write().unwrap_or_else(|p| p.into_inner()) = fingerprint.clone();
                tracing::info!(sha256 = %fingerprint, "TLS certificate reloaded");
            }
            Err(e) => tracing::error!("TLS certificate not reloaded, the old one stays: {e}"),
        }
    }
}

fn build(source: &CertSource) -> Result<(ServerConfig, String), String> {
    let (cert_path, key_path) = match source {
        CertSource::Files { cert, key } => (cert.clone(), key.clone()),
        CertSource::SelfSigned { dir, names } => self_signed(dir, names)?,
    };
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&cert_path)
        .and_then(|it| it.collect::<Result<_, _>>())
        .map_err(|e| format!("reading the certificate {}: {e}", cert_path.display()))?;
    if chain.is_empty() {
        return Err(format!("{} holds no certificate", cert_path.display()));
    }
    let key = PrivateKeyDer::from_pem_file(&key_path)
        .map_err(|e| format!("reading the private key {}: {e}", key_path.display()))?;
    let fingerprint = hex_colons(&Sha256::digest(chain[0].as_ref()));
    let mut config = ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| format!("the certificate and key do not fit together: {e}"))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok((config, fingerprint))
}

fn hex_colons(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(":")
}

/// The self-signed certificate for `names` in `dir`, made (again) when it
/// is missing or was made for other names.
fn self_signed(dir: &Path, names: &[String]) -> Result<(PathBuf, PathBuf), String> {
    let (cert, key, listed) = (dir.join("self-signed.pem"), dir.join("self-signed.key"), dir.join("self-signed.names"));
    let wanted = names.join("\n");
    if cert.is_file() && key.is_file() && std::fs::read_to_string(&listed).is_ok_and(|n| n == wanted) {
        return Ok((cert, key));
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("making {}: {e}", dir.display()))?;
    let made = rcgen::generate_simple_self_signed(names.to_vec()).map_err(|e| format!("making a certificate: {e}"))?;
    crate::private_file::replace(&key, made.key_pair.serialize_pem().as_bytes())?;
    std::fs::write(&cert, made.cert.pem()).map_err(|e| format!("writing {}: {e}", cert.display()))?;
    std::fs::write(&listed, wanted).map_err(|e| format!("writing {}: {e}", listed.display()))?;
    tracing::info!(path = %cert.display(), "made a self-signed certificate for {}", names.join(", "));
    Ok((cert, key))
}

/// The names a LAN certificate should cover: localhost, this machine's host
/// name, its addresses (not link-local), and any the operator adds.
pub fn local_names(extra: &[String]) -> Vec<String> {
    let mut names = vec!["localhost".to_owned()];
    if let Ok(host) = std::fs::read_to_string("/proc/sys/kernel/hostname") {
        let host = host.trim();
        if !host.is_empty() {
            names.push(host.to_owned());
            if !host.contains('.') {
                names.push(format!("{host}.local"));
            }
        }
    }
    for ip in machine_addresses() {
        names.push(ip.to_string());
    }
    names.extend(extra.iter().cloned());
    let mut seen = std::collections::HashSet::new();
    names.retain(|n| seen.insert(n.clone()));
    names
}

/// This machine's addresses others can reach (loopback included, link-local not).
pub fn machine_addresses() -> Vec<std::net::IpAddr> {
    let mut ips: Vec<std::net::IpAddr> =
        if_addrs::get_if_addrs().map(|ifs| ifs.into_iter().map(|i| i.ip()).collect()).unwrap_or_default();
    ips.retain(|ip| match ip {
        std::net::IpAddr::V4(v4) => !v4.is_link_local(),
        std::net::IpAddr::V6(v6) => (v6.segments()[0] & 0xffc0) != 0xfe80,
    });
    for lo in ["127.0.0.1", "::1"] {
        let lo = lo.parse().expect("a loopback address");
        if !ips.contains(&lo) {
            ips.push(lo);
        }
    }
    ips
}

/// The base64 SHA-256 of a PEM private key's public key (SubjectPublicKeyInfo),
/// as Chromium's `--ignore-certificate-errors-spki-list` takes it.
pub fn spki_sha256(key_pem: &str) -> Result<String, String> {
    let key = rcgen::KeyPair::from_pem(key_pem).map_err(|e| e.to_string())?;
    Ok(base64::engine::general_purpose::STANDARD.encode(Sha256::digest(key.public_key_der())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_self_signed_certificate_is_made_once_per_set_of_names() {
        let dir = std::env::temp_dir().join(format!("duet-tls-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let names = vec!["localhost".to_string(), "127.0.0.1".to_string(), "duet.test".to_string()];
        let tls = Tls::load(CertSource::SelfSigned { dir: dir.clone(), names: names.clone() }).unwrap();
        let first = tls.fingerprint();
        assert_eq!(first.len(), 32 * 3 - 1, "{first}");
        let again = Tls::load(CertSource::SelfSigned { dir: dir.clone(), names: names.clone() }).unwrap();
        assert_eq!(again.fingerprint(), first, "kept across restarts");
        let more = Tls::load(CertSource::SelfSigned { dir: dir.clone(), names: vec!["other.test".into()] }).unwrap();
        assert_ne!(more.fingerprint(), first, "new names, new certificate");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join("self-signed.key")).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0);
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn certificate_files_are_reread_and_a_bad_one_keeps_the_old() {
        let dir = std::env::temp_dir().join(format!("duet-tls-files-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let write = |name: &str| {
            let c = rcgen::generate_simple_self_signed(vec![name.to_string()]).unwrap();
            std::fs::write(dir.join("cert.pem"), c.cert.pem()).unwrap();
            std::fs::write(dir.join("key.pem"), c.key_pair.serialize_pem()).unwrap();
        };
        write("one.test");
        let tls = Tls::load(CertSource::Files { cert: dir.join("cert.pem"), key: dir.join("key.pem") }).unwrap();
        let one = tls.fingerprint();
        write("two.test");
        tls.reload();
        assert_ne!(tls.fingerprint(), one, "renewed");
        let two = tls.fingerprint();
        std::fs::write(dir.join("cert.pem"), "not a certificate").unwrap();
        tls.reload();
        assert_eq!(tls.fingerprint(), two, "a broken renewal keeps the working one");
        assert!(local_names(&[]).contains(&"localhost".to_string()));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

//! Where the server listens and how it answers HTTP: TLS, proxies, host
//! names and origins, security headers, the app's files, metrics.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use clap::Args;

use crate::address::Cidr;

#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "HTTP edge")]
pub struct HttpEdge {
    /// Address and port to listen on.
    #[arg(long, env = "DUET_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Serve HTTPS with this certificate (PEM, the chain after the leaf);
    /// given by path, re-read on SIGHUP, so a renewed certificate needs no
    /// restart (a systemd credential is a copy made at start: restart).
    #[arg(long, env = "DUET_TLS_CERT", requires = "tls_key", conflicts_with = "tls_self_signed")]
    pub tls_cert: Option<PathBuf>,

    /// The private key (PEM) for --tls-cert.
    #[arg(long, env = "DUET_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,

    /// Serve HTTPS with a certificate made here (kept in the state directory)
    /// for localhost, this machine's name and addresses: calls on a LAN in
    /// two minutes. Browsers warn once; compare the fingerprint printed at start.
    /// Off loopback without --access, a generated access key is used and an
    /// invite link printed.
    #[arg(long, env = "DUET_TLS_SELF_SIGNED")]
    pub tls_self_signed: bool,

    /// Another name for the self-signed certificate (repeatable), e.g. a local DNS name.
    #[arg(long = "tls-name", env = "DUET_TLS_NAMES", value_delimiter = ',', requires = "tls_self_signed")]
    pub tls_names: Vec<String>,

    /// Also listen on this address for plain http and redirect it to https.
    #[arg(long, env = "DUET_REDIRECT_HTTP")]
    pub redirect_http: Option<SocketAddr>,

    /// Reverse proxies (addresses or CIDR ranges, comma-separated) whose
    /// --forwarded-header is believed. Nobody else's is.
    #[arg(long = "trusted-proxy", env = "DUET_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<Cidr>,

    /// The one header a trusted proxy puts the client's address and scheme
    /// in: x-forwarded-for (with X-Forwarded-Proto) or forwarded (RFC 7239).
    /// The other is never read; make your proxy overwrite the one chosen.
    #[arg(long, env = "DUET_FORWARDED_HEADER", value_enum, default_value_t = ForwardedHeader::XForwardedFor)]
    pub forwarded_header: ForwardedHeader,

    /// Seconds a client has to send a request's headers (and so to ask for the WebSocket upgrade).
    #[arg(long, env = "DUET_HEADER_TIMEOUT_SECS", default_value_t = 10.0)]
    pub header_timeout_secs: f64,

    /// The CSP frame-ancestors sources allowed to embed the app in a frame
    /// (e.g. "https://intranet.example"); 'none' forbids framing.
    #[arg(long, env = "DUET_FRAME_ANCESTORS", default_value = "'none'")]
    pub frame_ancestors: String,

    /// Another address the app served from here may connect to (repeatable;
    /// CSP connect-src), e.g. wss://signal.example.org when the page's
    /// ?server= or meta tag points signaling elsewhere. Others are blocked.
    #[arg(long = "connect-src", env = "DUET_CONNECT_SRC", value_delimiter = ',')]
    pub connect_src: Vec<String>,

    /// A host name this server answers to without TLS (repeatable), e.g. the
    /// public name a reverse proxy passes on. On loopback only loopback names
    /// and these are answered, elsewhere also IP addresses and this machine's
    /// names: other names are refused (DNS rebinding).
    #[arg(long = "allowed-host", env = "DUET_ALLOWED_HOSTS", value_delimiter = ',')]
    pub allowed_hosts: Vec<String>,

    /// Serve Prometheus metrics on this separate address (e.g. 127.0.0.1:9090);
    /// off by default, and never on the public listener.
    #[arg(long, env = "DUET_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,

    /// Directory of the built app (Trunk's dist/); unknown paths fall back to its index.html.
    #[arg(long, env = "DUET_STATIC_DIR", default_value = "dist")]
    pub static_dir: PathBuf,

    /// A browser Origin allowed to open the signaling WebSocket (repeatable; '*' allows any).
    /// Without this flag only pages served from the same host:port may connect.
    #[arg(long = "allowed-origin", env = "DUET_ALLOWED_ORIGINS", value_delimiter = ',')]
    pub allowed_origins: Vec<String>,
}

impl HttpEdge {
    pub fn header_timeout(&self) -> Duration {
        Duration::from_secs_f64(self.header_timeout_secs)
    }

    /// Whether the public listener speaks HTTPS.
    pub fn tls(&self) -> bool {
        self.tls_cert.is_some() || self.tls_self_signed
    }
}

/// Which header a trusted proxy writes the client's address (and scheme) into.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ForwardedHeader {
    /// `X-Forwarded-For` and `X-Forwarded-Proto` (nginx, Caddy, most load balancers).
    #[default]
    XForwardedFor,
    /// RFC 7239 `Forwarded: for=…;proto=…`.
    Forwarded,
}

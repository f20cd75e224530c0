//! Command-line flags and their environment variables (`validate.rs`:
//! the checks clap cannot make).

mod validate;

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use clap::Parser;

use crate::{
    access::AccessMode,
    client_addr::{Cidr, ForwardedHeader, TrustedProxies},
    turn::{IceConfig, Secret, SecretSource},
};

/// Duet's signaling server: relays WebRTC signaling between browsers
/// (MDN "Signaling and video calling" protocol plus Duet's additions) and
/// serves the built web app.
#[derive(Debug, Clone, Parser)]
#[command(name = "duet-server", version)]
pub struct Config {
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

    /// Who may log in: open (anyone who reaches the server), key (holders of
    /// a key from --access-key-file), jwt (holders of a signed token naming
    /// them). Default: open on a loopback address; any other address refuses
    /// to start until this is given.
    #[arg(long, env = "DUET_ACCESS", value_enum)]
    pub access: Option<AccessMode>,

    /// For --access key: a file of access keys, one per line (at least 16
    /// characters each; # starts a comment). Re-read on SIGHUP, so keys rotate live.
    #[arg(long, env = "DUET_ACCESS_KEY_FILE")]
    pub access_key_file: Option<PathBuf>,

    /// For --access jwt: a file holding the HS256 secret (at least 32 bytes).
    #[arg(long, env = "DUET_JWT_SECRET_FILE", conflicts_with = "jwt_public_key_file")]
    pub jwt_secret_file: Option<PathBuf>,

    /// For --access jwt: a PEM public key (RSA for RS256, Ed25519 for EdDSA).
    #[arg(long, env = "DUET_JWT_PUBLIC_KEY_FILE", conflicts_with = "jwt_jwks_file")]
    pub jwt_public_key_file: Option<PathBuf>,

    /// For --access jwt: a JSON Web Key Set (HS256, RS256, ES256 or EdDSA
    /// keys, each with a `kid` that tokens name): rotate by adding the new
    /// key, SIGHUP, signing with it, then removing the old one.
    #[arg(long, env = "DUET_JWT_JWKS_FILE", conflicts_with = "jwt_secret_file")]
    pub jwt_jwks_file: Option<PathBuf>,

    /// For --access jwt: the `aud` tokens must carry (not checked if unset).
    #[arg(long, env = "DUET_JWT_AUDIENCE")]
    pub jwt_audience: Option<String>,

    /// For --access jwt: the `iss` tokens must carry (not checked if unset).
    #[arg(long, env = "DUET_JWT_ISSUER")]
    pub jwt_issuer: Option<String>,

    /// Reverse proxies (addresses or CIDR ranges, comma-separated) whose
    /// --forwarded-header is believed. Nobody else's is.
    #[arg(long = "trusted-proxy", env = "DUET_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<Cidr>,

    /// The one header a trusted proxy puts the client's address and scheme
    /// in: x-forwarded-for (with X-Forwarded-Proto) or forwarded (RFC 7239).
    /// The other is never read; make your proxy overwrite the one chosen.
    #[arg(long, env = "DUET_FORWARDED_HEADER", value_enum, default_value_t = ForwardedHeader::XForwardedFor)]
    pub forwarded_header: ForwardedHeader,

    /// How much of an IPv6 address names one client for every per-address
    /// limit: its first N bits (32 to 128). One host often has a whole /64.
    #[arg(long, env = "DUET_IPV6_PREFIX", default_value_t = 64, value_parser = clap::value_parser!(u8).range(32..=128))]
    pub ipv6_prefix: u8,

    /// Most open connections (HTTP or WebSocket) from one client address; 0 = no limit.
    #[arg(long, env = "DUET_MAX_CONNS_PER_IP", default_value_t = 64)]
    pub max_conns_per_ip: usize,

    /// Login attempts one client address may make per minute; 0 = no limit.
    #[arg(long, env = "DUET_LOGINS_PER_MINUTE", default_value_t = 60)]
    pub logins_per_minute: u32,

    /// Failed access checks (wrong key or token) one address may make per
    /// minute before it is answered 429; 0 = no limit.
    #[arg(long, env = "DUET_AUTH_FAILURES_PER_MINUTE", default_value_t = 10)]
    pub auth_failures_per_minute: u32,

    /// Seconds a client has to send a request's headers (and so to ask for the WebSocket upgrade).
    #[arg(long, env = "DUET_HEADER_TIMEOUT_SECS", default_value_t = 10.0)]
    pub header_timeout_secs: f64,

    /// Sustained lobby-chat messages per second one user may send (call signaling is not affected).
    #[arg(long, env = "DUET_CHAT_RATE_PER_SEC", default_value_t = 1.0)]
    pub chat_rate_per_sec: f64,

    /// Lobby-chat messages one user may send in a burst above that rate.
    #[arg(long, env = "DUET_CHAT_BURST", default_value_t = 5.0)]
    pub chat_burst: f64,

    /// Sustained lobby-chat messages per second from one client address, all
    /// its users together (a burst of five seconds' worth).
    #[arg(long, env = "DUET_CHAT_PER_ADDRESS_PER_SEC", default_value_t = 2.0)]
    pub chat_per_address_per_sec: f64,

    /// Sustained lobby-chat messages per second for the whole server (a
    /// burst of five seconds' worth): chat goes to everyone online.
    #[arg(long, env = "DUET_CHAT_SERVER_PER_SEC", default_value_t = 20.0)]
    pub chat_server_per_sec: f64,

    /// Largest session description (offer or answer SDP) relayed, in bytes.
    #[arg(long, env = "DUET_MAX_SDP_BYTES", default_value_t = 32 * 1024)]
    pub max_sdp_bytes: usize,

    /// Largest ICE candidate relayed, in bytes.
    #[arg(long, env = "DUET_MAX_CANDIDATE_BYTES", default_value_t = 1024)]
    pub max_candidate_bytes: usize,

    /// Sustained offers (new calls and renegotiations) per minute from one
    /// connection, with a burst of a third of that (40 by default).
    #[arg(long, env = "DUET_OFFERS_PER_MINUTE", default_value_t = 120.0)]
    pub offers_per_minute: f64,

    /// Where the server keeps state that must survive a restart (the
    /// resume-ticket key). Default: $STATE_DIRECTORY, $XDG_STATE_HOME/duet,
    /// ~/.local/state/duet, or ./duet-state.
    #[arg(long, env = "DUET_STATE_DIR")]
    pub state_dir: Option<PathBuf>,

    /// A file holding the key that signs resume tickets (at least 32 bytes);
    /// give every node of a cluster the same one. Overrides the state directory's.
    #[arg(long, env = "DUET_SECRET_FILE")]
    pub secret_file: Option<PathBuf>,

    /// Seconds a resume ticket stays valid; clients get a fresh one at half this time.
    #[arg(long, env = "DUET_TICKET_TTL_SECS", default_value_t = 3600)]
    pub ticket_ttl_secs: u64,

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

    /// STUN server URL handed to clients (repeatable), e.g. stun:stun.example.org:3478.
    #[arg(long = "stun-url", env = "DUET_STUN_URLS", value_delimiter = ',')]
    pub stun_urls: Vec<String>,

    /// TURN server URL handed to clients with credentials (repeatable), e.g.
    /// turn:turn.example.org:3478?transport=udp or turns:turn.example.org:5349?transport=tcp.
    #[arg(long = "turn-url", env = "DUET_TURN_URLS", value_delimiter = ',')]
    pub turn_urls: Vec<String>,

    /// The TURN server's shared secret (coturn's static-auth-secret). Prefer --turn-secret-file.
    #[arg(long, env = "DUET_TURN_SECRET", hide_env_values = true, conflicts_with = "turn_secret_file")]
    pub turn_secret: Option<Secret>,

    /// A file holding the TURN shared secret; must be readable at start; read
    /// again at every login, so it can be rotated live (not a systemd
    /// credential, which is a copy made at start).
    #[arg(long, env = "DUET_TURN_SECRET_FILE")]
    pub turn_secret_file: Option<PathBuf>,

    /// Seconds TURN credentials stay valid; they are refreshed at half this time.
    #[arg(long, env = "DUET_TURN_TTL_SECS", default_value_t = 3600)]
    pub turn_ttl_secs: u64,

    /// Milliseconds between presence updates to Duet clients (changes are batched).
    #[arg(long, env = "DUET_PRESENCE_INTERVAL_MS", default_value_t = 100)]
    pub presence_interval_ms: u64,

    /// Largest accepted WebSocket message, in bytes; larger ones close the connection with 1009.
    #[arg(long, env = "DUET_MAX_MESSAGE_BYTES", default_value_t = 64 * 1024)]
    pub max_message_bytes: usize,

    /// Seconds a new connection has to log in before it is closed.
    #[arg(long, env = "DUET_LOGIN_TIMEOUT_SECS", default_value_t = 10.0)]
    pub login_timeout_secs: f64,

    /// Seconds between heartbeat pings; a peer silent for two intervals is dropped.
    #[arg(long, env = "DUET_PING_INTERVAL_SECS", default_value_t = 25.0)]
    pub ping_interval_secs: f64,

    /// Seconds a Duet user whose connection dropped (without closing) keeps
    /// their name and call, so a reconnect resumes them; 0 ends them at once.
    #[arg(long, env = "DUET_RESUME_GRACE_SECS", default_value_t = 15.0)]
    pub resume_grace_secs: f64,

    /// Seconds a Duet user whose page closed its connection saying it may
    /// come right back (a reload) keeps their name and call; a closed tab
    /// looks the same, so this is how long its partner waits to hear.
    #[arg(long, env = "DUET_RELOAD_GRACE_SECS", default_value_t = 3.0)]
    pub reload_grace_secs: f64,

    /// Sustained messages per second one connection may send.
    #[arg(long, env = "DUET_RATE_PER_SEC", default_value_t = 50.0)]
    pub rate_per_sec: f64,

    /// Messages one connection may send in a burst above the sustained rate.
    #[arg(long, env = "DUET_RATE_BURST", default_value_t = 200.0)]
    pub rate_burst: f64,

    /// Refused messages (invalid or rate limited) a connection may cause in a burst before it is closed (1008).
    #[arg(long, env = "DUET_ABUSE_BURST", default_value_t = 50.0)]
    pub abuse_burst: f64,

    /// Bytes queued for one client before it counts as too slow and is
    /// disconnected (its session held for a resume). A quarter of it may be
    /// lobby chat; chat beyond that is not sent to a client that is behind.
    #[arg(long, env = "DUET_SEND_QUEUE_BYTES", default_value_t = 256 * 1024)]
    pub send_queue_bytes: usize,

    /// Seconds one write to a client may take before it counts as too slow and is disconnected.
    #[arg(long, env = "DUET_WRITE_TIMEOUT_SECS", default_value_t = 10.0)]
    pub write_timeout_secs: f64,

    /// Most open sockets, upgraded or not, on every listener; more are
    /// refused with 503.
    #[arg(long, env = "DUET_MAX_CONNECTIONS", default_value_t = 50_000)]
    pub max_connections: usize,

    /// Seconds to let clients close after SIGTERM/Ctrl-C before exiting anyway.
    #[arg(long, env = "DUET_SHUTDOWN_GRACE_SECS", default_value_t = 5.0)]
    pub shutdown_grace_secs: f64,

    /// Redis URL (redis://[:password@]host:port[/db]). Switches presence and
    /// routing from this process's memory to a cluster of duet-server nodes
    /// sharing that Redis (docs/cluster.md).
    #[arg(long, env = "DUET_REDIS_URL", hide_env_values = true)]
    pub redis_url: Option<String>,

    /// Prefix of Duet's keys and channels in Redis, so clusters can share one Redis.
    #[arg(long, env = "DUET_REDIS_PREFIX", default_value = "duet")]
    pub redis_prefix: String,

    /// This node's id in the cluster (letters, digits, '-', '_', '.'); random at each start by default.
    #[arg(long, env = "DUET_NODE_ID")]
    pub node_id: Option<String>,

    /// Seconds without a heartbeat after which a node counts as stopped and its users are removed.
    #[arg(long, env = "DUET_NODE_TIMEOUT_SECS", default_value_t = 10.0)]
    pub node_timeout_secs: f64,

    /// Log filter (tracing's EnvFilter syntax), e.g. info or duet_server=debug.
    #[arg(long, env = "DUET_LOG", default_value = "info")]
    pub log: String,
}

impl Config {
    pub fn login_timeout(&self) -> Duration {
        Duration::from_secs_f64(self.login_timeout_secs)
    }
    pub fn ping_interval(&self) -> Duration {
        Duration::from_secs_f64(self.ping_interval_secs)
    }
    pub fn write_timeout(&self) -> Duration {
        Duration::from_secs_f64(self.write_timeout_secs)
    }
    pub fn resume_grace(&self) -> Duration {
        Duration::from_secs_f64(self.resume_grace_secs)
    }
    pub fn reload_grace(&self) -> Duration {
        Duration::from_secs_f64(self.reload_grace_secs)
    }
    /// TURN credentials and the resume ticket are renewed at half the
    /// shorter lifetime, so a client never holds an expired one.
    pub fn refresh_every(&self) -> Duration {
        Duration::from_secs(self.turn_ttl_secs.min(self.ticket_ttl_secs).max(2)) / 2
    }
    pub fn shutdown_grace(&self) -> Duration {
        Duration::from_secs_f64(self.shutdown_grace_secs)
    }
    pub fn header_timeout(&self) -> Duration {
        Duration::from_secs_f64(self.header_timeout_secs)
    }
    pub fn proxies(&self) -> TrustedProxies {
        TrustedProxies::new(self.trusted_proxies.clone(), self.forwarded_header)
    }
    pub fn state_dir(&self) -> PathBuf {
        self.state_dir.clone().unwrap_or_else(crate::ticket::default_state_dir)
    }

    /// Whether the public listener speaks HTTPS.
    pub fn tls(&self) -> bool {
        self.tls_cert.is_some() || self.tls_self_signed
    }

    /// The access mode in force on a listener bound to `bound`: open by
    /// default on loopback; anywhere else, or behind a proxy (a loopback
    /// server told of a proxy or a public host name is public all the same),
    /// it must be chosen — except for the LAN quick start
    /// (`--tls-self-signed`), which uses a generated key.
    pub fn access_mode(&self, bound: SocketAddr) -> Result<AccessMode, String> {
        let public_through_proxy = !self.trusted_proxies.is_empty() || !self.allowed_hosts.is_empty();
        match self.access {
            Some(mode) => Ok(mode),
            // A LAN name for the quick start's certificate is no proxy; a
            // trusted proxy always is.
            None if public_through_proxy && !(self.tls_self_signed && self.trusted_proxies.is_empty()) => {
                Err("--trusted-proxy or --allowed-host says this server answers the network through a proxy, \
                 so choose who may use it: --access key --access-key-file FILE, --access jwt, or --access open"
                    .into())
            }
            None if bound.ip().is_loopback() => Ok(AccessMode::Open),
            None if self.tls_self_signed => Ok(AccessMode::Key),
            None => Err(format!(
                "listening on {bound} makes Duet reachable from the network, so choose who may use it: \
                 --access key --access-key-file FILE (a shared key; see README), --access jwt (tokens \
                 from your site), or --access open (anyone who reaches it)"
            )),
        }
    }

    /// Where sign-in tokens' keys come from and which claims must match.
    pub fn jwt_source(&self) -> crate::access::JwtSource {
        crate::access::JwtSource {
            secret_file: self.jwt_secret_file.clone(),
            public_key_file: self.jwt_public_key_file.clone(),
            jwks_file: self.jwt_jwks_file.clone(),
            audience: self.jwt_audience.clone(),
            issuer: self.jwt_issuer.clone(),
        }
    }

    /// The cluster settings, when --redis-url is given.
    /// `seal`: the key cluster messages are signed with (from the ticket key).
    pub fn cluster(&self, seal: crate::backplane::seal::SealKey) -> Option<crate::backplane::redis::Settings> {
        let url = self.redis_url.clone()?;
        let node = self.node_id.clone().unwrap_or_else(crate::backplane::redis::random_node_id);
        Some(crate::backplane::redis::Settings {
            url,
            prefix: self.redis_prefix.clone(),
            node: node.into(),
            seal,
            node_timeout: Duration::from_secs_f64(self.node_timeout_secs),
        })
    }

    pub fn ice(&self) -> IceConfig {
        let secret = match (&self.turn_secret, &self.turn_secret_file) {
            (Some(s), _) => Some(SecretSource::Value(s.clone())),
            (None, Some(p)) => Some(SecretSource::File(p.clone())),
            (None, None) => None,
        };
        IceConfig {
            stun_urls: self.stun_urls.clone(),
            turn_urls: self.turn_urls.clone(),
            secret,
            ttl: Duration::from_secs(self.turn_ttl_secs),
        }
    }

    /// The defaults, as if no flag were given (for tests and embedding).
    pub fn defaults() -> Self {
        Config::parse_from(["duet-server"])
    }
}

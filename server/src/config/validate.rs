//! The checks of a `Config` that clap cannot make.

use super::Config;
use crate::access::AccessMode;

impl Config {
    /// Checks the values clap cannot: every duration and rate must be positive.
    pub fn validate(&self) -> Result<(), String> {
        let positive = [
            ("--login-timeout-secs", self.login_timeout_secs),
            ("--ping-interval-secs", self.ping_interval_secs),
            ("--rate-per-sec", self.rate_per_sec),
            ("--rate-burst", self.rate_burst),
            ("--abuse-burst", self.abuse_burst),
            ("--write-timeout-secs", self.write_timeout_secs),
            ("--header-timeout-secs", self.header_timeout_secs),
            ("--chat-rate-per-sec", self.chat_rate_per_sec),
            ("--chat-burst", self.chat_burst),
            ("--chat-per-address-per-sec", self.chat_per_address_per_sec),
            ("--chat-server-per-sec", self.chat_server_per_sec),
            ("--offers-per-minute", self.offers_per_minute),
        ];
        for (flag, v) in positive {
            if !(v.is_finite() && v > 0.0) {
                return Err(format!("{flag} must be a positive number, got {v}"));
            }
        }
        if !(self.node_timeout_secs.is_finite() && self.node_timeout_secs >= 0.5) {
            return Err("--node-timeout-secs must be at least 0.5".into());
        }
        let id_ok = |s: &str| {
            !s.is_empty() && s.len() <= 64 && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        };
        if let Some(bad) = self.node_id.as_deref().filter(|s| !id_ok(s)) {
            return Err(format!("--node-id {bad:?} must be 1-64 letters, digits, '-', '_' or '.'"));
        }
        if !id_ok(&self.redis_prefix) {
            return Err(format!(
                "--redis-prefix {:?} must be 1-64 letters, digits, '-', '_' or '.'",
                self.redis_prefix
            ));
        }
        if !(self.shutdown_grace_secs.is_finite() && self.shutdown_grace_secs >= 0.0) {
            return Err("--shutdown-grace-secs must be zero or more".into());
        }
        if !(self.reload_grace_secs.is_finite() && (0.0..=60.0).contains(&self.reload_grace_secs)) {
            return Err("--reload-grace-secs must be between 0 and 60".into());
        }
        if !(self.resume_grace_secs.is_finite() && (0.0..=3600.0).contains(&self.resume_grace_secs)) {
            return Err("--resume-grace-secs must be between 0 and 3600".into());
        }
        if let Some(bad) = self.stun_urls.iter().find(|u| !u.starts_with("stun:") && !u.starts_with("stuns:")) {
            return Err(format!("--stun-url {bad:?} must start with stun: or stuns:"));
        }
        if let Some(bad) = self.turn_urls.iter().find(|u| !u.starts_with("turn:") && !u.starts_with("turns:")) {
            return Err(format!("--turn-url {bad:?} must start with turn: or turns:"));
        }
        if !self.turn_urls.is_empty() && self.turn_secret.is_none() && self.turn_secret_file.is_none() {
            return Err("--turn-url needs --turn-secret or --turn-secret-file".into());
        }
        if self.header_timeout_secs > 60.0 {
            return Err("--header-timeout-secs must be at most 60".into());
        }
        if self.ticket_ttl_secs < 60 {
            return Err("--ticket-ttl-secs must be at least 60".into());
        }
        if self.access == Some(AccessMode::Key) && self.access_key_file.is_none() && !self.tls_self_signed {
            return Err("--access key needs --access-key-file".into());
        }
        if self.redirect_http.is_some() && !self.tls() {
            return Err("--redirect-http needs HTTPS (--tls-cert/--tls-key or --tls-self-signed)".into());
        }
        if self.access != Some(AccessMode::Key) && self.access_key_file.is_some() {
            return Err("--access-key-file is only read with --access key".into());
        }
        let jwt_files =
            self.jwt_secret_file.is_some() || self.jwt_public_key_file.is_some() || self.jwt_jwks_file.is_some();
        if self.access == Some(AccessMode::Jwt) && !jwt_files {
            return Err("--access jwt needs --jwt-secret-file, --jwt-public-key-file or --jwt-jwks-file".into());
        }
        if self.access != Some(AccessMode::Jwt) && jwt_files {
            return Err(
                "--jwt-secret-file, --jwt-public-key-file and --jwt-jwks-file are only read with --access jwt".into()
            );
        }
        if let Some(bad) = self.frame_ancestors.chars().find(|c| matches!(c, ';' | ',' | '\r' | '\n')) {
            return Err(format!("--frame-ancestors may not contain {bad:?}"));
        }
        if let Some(bad) = self
            .connect_src
            .iter()
            .find(|s| s.is_empty() || s.contains(|c: char| c == ';' || c == ',' || c.is_whitespace()))
        {
            return Err(format!("--connect-src {bad:?} must be one source such as wss://signal.example.org"));
        }
        if self.presence_interval_ms == 0 {
            return Err("--presence-interval-ms must be at least 1".into());
        }
        if self.turn_ttl_secs < 60 {
            return Err("--turn-ttl-secs must be at least 60".into());
        }
        if self.max_connections == 0 || self.max_message_bytes < 1024 {
            return Err("--max-connections must be at least 1, --max-message-bytes at least 1024".into());
        }
        if self.send_queue_bytes < self.max_message_bytes {
            return Err("--send-queue-bytes must be at least --max-message-bytes".into());
        }
        Ok(())
    }
}

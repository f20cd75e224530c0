//! The checks of a `Config` that clap cannot make.

use super::Config;
use crate::access::AccessMode;

impl Config {
    /// Checks the values clap cannot: every duration and rate must be positive.
    pub fn validate(&self) -> Result<(), String> {
        let positive = [
            ("--login-timeout-secs", self.signaling.login_timeout_secs),
            ("--ping-interval-secs", self.signaling.ping_interval_secs),
            ("--rate-per-sec", self.limits.rate_per_sec),
            ("--rate-burst", self.limits.rate_burst),
            ("--abuse-burst", self.limits.abuse_burst),
            ("--write-timeout-secs", self.limits.write_timeout_secs),
            ("--header-timeout-secs", self.edge.header_timeout_secs),
            ("--chat-rate-per-sec", self.limits.chat_rate_per_sec),
            ("--chat-burst", self.limits.chat_burst),
            ("--chat-per-address-per-sec", self.limits.chat_per_address_per_sec),
            ("--chat-server-per-sec", self.limits.chat_server_per_sec),
            ("--offers-per-minute", self.limits.offers_per_minute),
            ("--views-per-sec", self.limits.views_per_sec),
            ("--searches-per-address-per-sec", self.limits.searches_per_address_per_sec),
            ("--searches-server-per-sec", self.limits.searches_server_per_sec),
        ];
        for (flag, v) in positive {
            if !(v.is_finite() && v > 0.0) {
                return Err(format!("{flag} must be a positive number, got {v}"));
            }
        }
        if !(self.cluster.node_timeout_secs.is_finite() && self.cluster.node_timeout_secs >= 0.5) {
            return Err("--node-timeout-secs must be at least 0.5".into());
        }
        let id_ok = |s: &str| {
            !s.is_empty() && s.len() <= 64 && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        };
        if let Some(bad) = self.cluster.node_id.as_deref().filter(|s| !id_ok(s)) {
            return Err(format!("--node-id {bad:?} must be 1-64 letters, digits, '-', '_' or '.'"));
        }
        if !id_ok(&self.cluster.redis_prefix) {
            return Err(format!(
                "--redis-prefix {:?} must be 1-64 letters, digits, '-', '_' or '.'",
                self.cluster.redis_prefix
            ));
        }
        if !(self.shutdown_grace_secs.is_finite() && self.shutdown_grace_secs >= 0.0) {
            return Err("--shutdown-grace-secs must be zero or more".into());
        }
        if !(self.signaling.reload_grace_secs.is_finite() && (0.0..=60.0).contains(&self.signaling.reload_grace_secs)) {
            return Err("--reload-grace-secs must be between 0 and 60".into());
        }
        if !(self.signaling.resume_grace_secs.is_finite() && (0.0..=3600.0).contains(&self.signaling.resume_grace_secs))
        {
            return Err("--resume-grace-secs must be between 0 and 3600".into());
        }
        if let Some(bad) = self.turn.stun_urls.iter().find(|u| !u.starts_with("stun:") && !u.starts_with("stuns:")) {
            return Err(format!("--stun-url {bad:?} must start with stun: or stuns:"));
        }
        if let Some(bad) = self.turn.turn_urls.iter().find(|u| !u.starts_with("turn:") && !u.starts_with("turns:")) {
            return Err(format!("--turn-url {bad:?} must start with turn: or turns:"));
        }
        if !self.turn.turn_urls.is_empty() && self.turn.turn_secret.is_none() && self.turn.turn_secret_file.is_none() {
            return Err("--turn-url needs --turn-secret or --turn-secret-file".into());
        }
        if self.edge.header_timeout_secs > 60.0 {
            return Err("--header-timeout-secs must be at most 60".into());
        }
        if self.auth.ticket_ttl_secs < 60 {
            return Err("--ticket-ttl-secs must be at least 60".into());
        }
        if self.auth.access == Some(AccessMode::Key)
            && self.auth.access_key_file.is_none()
            && !self.edge.tls_self_signed
        {
            return Err("--access key needs --access-key-file".into());
        }
        if self.edge.redirect_http.is_some() && !self.edge.tls() {
            return Err("--redirect-http needs HTTPS (--tls-cert/--tls-key or --tls-self-signed)".into());
        }
        if self.auth.access != Some(AccessMode::Key) && self.auth.access_key_file.is_some() {
            return Err("--access-key-file is only read with --access key".into());
        }
        let jwt_files = self.auth.jwt_secret_file.is_some()
            || self.auth.jwt_public_key_file.is_some()
            || self.auth.jwt_jwks_file.is_some();
        if self.auth.access == Some(AccessMode::Jwt) && !jwt_files {
            return Err("--access jwt needs --jwt-secret-file, --jwt-public-key-file or --jwt-jwks-file".into());
        }
        if self.auth.access != Some(AccessMode::Jwt) && jwt_files {
            return Err(
                "--jwt-secret-file, --jwt-public-key-file and --jwt-jwks-file are only read with --access jwt".into()
            );
        }
        if let Some(bad) = self.edge.frame_ancestors.chars().find(|c| matches!(c, ';' | ',' | '\r' | '\n')) {
            return Err(format!("--frame-ancestors may not contain {bad:?}"));
        }
        if let Some(bad) = self
            .edge
            .connect_src
            .iter()
            .find(|s| s.is_empty() || s.contains(|c: char| c == ';' || c == ',' || c.is_whitespace()))
        {
            return Err(format!("--connect-src {bad:?} must be one source such as wss://signal.example.org"));
        }
        if self.signaling.presence_interval_ms == 0 {
            return Err("--presence-interval-ms must be at least 1".into());
        }
        if self.turn.turn_ttl_secs < 60 {
            return Err("--turn-ttl-secs must be at least 60".into());
        }
        if self.limits.max_connections == 0 || self.limits.max_message_bytes < 1024 {
            return Err("--max-connections must be at least 1, --max-message-bytes at least 1024".into());
        }
        if self.limits.send_queue_bytes < self.limits.max_message_bytes {
            return Err("--send-queue-bytes must be at least --max-message-bytes".into());
        }
        Ok(())
    }
}

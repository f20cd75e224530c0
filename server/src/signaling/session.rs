//! One client's protocol state, without the socket: login, limits, and what
//! each message does. The connection task feeds it frames; the fuzz target
//! and the property tests feed it messages directly.

use std::{
    net::IpAddr,
    sync::{atomic::Ordering::Relaxed, Arc},
};

use duet_protocol::{ClientMessage, ErrorCode, ServerMessage};

use crate::{
    config::Config,
    limits::per_ip::{PerIpRate, SharedBudget, Spent},
    limits::rate::TokenBucket,
    signaling::hub::{frame, ConnId, Hub, LoginRequest, Outbox, Refusal},
};

/// Where a connection comes from, for the per-address login, chat and search limits.
#[derive(Debug, Clone)]
pub struct Peer {
    pub ip: IpAddr,
    pub logins: Arc<PerIpRate>,
    pub chat: Arc<SharedBudget>,
    pub searches: Arc<SharedBudget>,
}

/// What access control decided about a connection before it was upgraded.
#[derive(Debug, Clone, Default)]
pub struct Admission {
    pub peer: Option<Peer>,
    /// The name a signed token gave this client; it logs in as that or not at all.
    pub identity: Option<String>,
}

/// Why the session must end (the connection closes with a code for it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Closing {
    #[error("message of {0} bytes is over the limit")]
    TooBig(usize),
    #[error("too many refused messages")]
    Abusive,
}

pub struct Session {
    id: ConnId,
    hub: Arc<Hub>,
    max_message_bytes: usize,
    outbox: Outbox,
    name: Option<String>,
    duet: bool,
    rate: TokenBucket,
    chat_rate: TokenBucket,
    /// New calls and renegotiations: each makes the partner's browser work.
    offer_rate: TokenBucket,
    /// `view`s answered at once (each may read every name online); the
    /// rest wait for the next presence flush.
    view_rate: TokenBucket,
    max_sdp_bytes: usize,
    max_candidate_bytes: usize,
    abuse: TokenBucket,
    admission: Admission,
    resume_grace: std::time::Duration,
    /// Offers may ask to be answered while they ring (--preconnect).
    preconnect: bool,
    /// The connection dropped in a way a reconnect may resume.
    park: bool,
}

impl Session {
    /// A new session; it greets the client with its `id`.
    pub fn new(id: ConnId, hub: Arc<Hub>, config: &Config, outbox: Outbox) -> Self {
        let s = Session {
            id,
            hub,
            max_message_bytes: config.limits.max_message_bytes,
            outbox,
            name: None,
            duet: false,
            rate: TokenBucket::new(config.limits.rate_per_sec, config.limits.rate_burst),
            // Lobby chat goes to everyone, so it gets a far smaller budget than
            // signaling, which goes to one peer.
            chat_rate: TokenBucket::new(config.limits.chat_rate_per_sec, config.limits.chat_burst),
            offer_rate: TokenBucket::new(
                config.limits.offers_per_minute / 60.0,
                (config.limits.offers_per_minute / 3.0).max(1.0),
            ),
            view_rate: TokenBucket::new(config.limits.views_per_sec, 2.0 * config.limits.views_per_sec),
            max_sdp_bytes: config.limits.max_sdp_bytes,
            max_candidate_bytes: config.limits.max_candidate_bytes,
            admission: Admission::default(),
            // Refusals refill at a tenth of the rate: honest clients rarely cause any.
            abuse: TokenBucket::new(config.limits.rate_per_sec / 10.0, config.limits.abuse_burst),
            resume_grace: config.signaling.resume_grace(),
            preconnect: config.signaling.preconnect,
            park: false,
        };
        s.send(&ServerMessage::Id { id });
        s
    }

    /// Applies what access control decided about this connection.
    pub fn admit(mut self, admission: Admission) -> Self {
        self.admission = admission;
        self
    }

    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    pub async fn on_text(&mut self, text: &str) -> Result<(), Closing> {
        if text.len() > self.max_message_bytes {
            return Err(Closing::TooBig(text.len()));
        }
        self.hub.metrics.messages_received_total.fetch_add(1, Relaxed);
        if !self.rate.try_take() {
            return self.refuse(ErrorCode::RateLimited, "too many messages; this one was dropped");
        }
        let msg = match ClientMessage::parse(text) {
            Ok(m) => m,
            Err(e) => return self.refuse((&e).into(), e.to_string()),
        };
        match self.handle(msg).await {
            Ok(()) => Ok(()),
            Err(r) => self.refuse(r.code, r.text),
        }
    }

    /// Sends fresh TURN credentials and a fresh resume ticket to a logged-in
    /// Duet client (only while it is logged in: credentials end with the session).
    pub fn refresh_ice(&self) {
        if let Some(name) = &self.name {
            if self.duet && self.hub.ice().has_turn() {
                self.send(&ServerMessage::IceServers { ice_servers: self.hub.ice().servers_for(name) });
            }
            if self.duet {
                self.hub.send_ticket(name, self.id);
            }
        }
    }

    pub fn on_binary(&mut self) -> Result<(), Closing> {
        self.refuse(ErrorCode::BinaryNotSupported, "binary frames are not supported; send JSON text")
    }

    async fn handle(&mut self, msg: ClientMessage) -> Result<(), Refusal> {
        if self.name.is_some() {
            self.check_relayed(&msg)?;
        }
        let Some(name) = &self.name else {
            return match msg {
                ClientMessage::Username { name, duet, resume, call, .. } => {
                    if let Some(peer) = &self.admission.peer {
                        if !peer.logins.try_take(peer.ip) {
                            return Err(Refusal {
                                code: ErrorCode::RateLimited,
                                text: "too many logins from your address; wait a minute".into(),
                            });
                        }
                    }
                    let req = LoginRequest {
                        fixed: self.admission.identity.is_some(),
                        name: self.admission.identity.as_deref().unwrap_or(&name),
                        duet: duet.is_some(),
                        directory: duet >= Some(duet_protocol::DIRECTORY_VERSION),
                        resume: resume.as_deref(),
                        call: call.as_deref(),
                    };
                    let registered = self.hub.login(self.id, self.outbox.clone(), req).await?;
                    tracing::debug!(conn = self.id, user = %registered, duet = duet.is_some(), "logged in");
                    self.name = Some(registered);
                    self.duet = duet.is_some();
                    Ok(())
                }
                _ => Err(Refusal { code: ErrorCode::NotLoggedIn, text: "log in with a username message first".into() }),
            };
        };
        match msg {
            ClientMessage::Username { .. } => {
                Err(Refusal { code: ErrorCode::AlreadyLoggedIn, text: format!("already logged in as {name}") })
            }
            ClientMessage::Message { text, date, id } => {
                if !self.chat_rate.try_take() {
                    return Err(Refusal {
                        code: ErrorCode::RateLimited,
                        text: "you are sending chat messages too fast; this one was dropped".into(),
                    });
                }
                if let Some(peer) = &self.admission.peer {
                    if let Err(spent) = peer.chat.try_take(peer.ip) {
                        self.hub.metrics.chat_refused_total.fetch_add(1, Relaxed);
                        let text = match spent {
                            Spent::Address => "too much chat from your address; this message was dropped",
                            Spent::Server => "the lobby is too busy right now; this message was dropped",
                        };
                        return Err(Refusal { code: ErrorCode::RateLimited, text: text.into() });
                    }
                }
                self.hub.chat(name, &text, date, id)
            }
            ClientMessage::VideoOffer { name: n, target, sdp, preconnect } => {
                let preconnect = preconnect && self.preconnect;
                self.hub.relay(name, ClientMessage::VideoOffer { name: n, target, sdp, preconnect })
            }
            // Faster than the budgets: answered at the next flush, not
            // refused. A search reads everyone online, so it also spends
            // its address's and the server's search budgets; rows of the
            // list are cheap (an index finds the first).
            ClientMessage::View { from, count, query } => {
                let searching = !query.trim().is_empty();
                let now = self.view_rate.try_take()
                    && (!searching || self.admission.peer.as_ref().is_none_or(|p| p.searches.try_take(p.ip).is_ok()));
                self.hub.view(name, from, count, &query, now)
            }
            ClientMessage::Watch { names } => self.hub.watch(name, names),
            relayed => self.hub.relay(name, relayed),
        }
    }

    /// Bounds on what a call message may make the partner's browser do:
    /// session descriptions and candidates of a sane size, and offers at a
    /// human pace.
    fn check_relayed(&mut self, msg: &ClientMessage) -> Result<(), Refusal> {
        let too_big = |what: &str, max: usize| Refusal {
            code: ErrorCode::InvalidMessage,
            text: format!("{what} is over the {max}-byte limit; it was not relayed"),
        };
        match msg {
            ClientMessage::VideoOffer { sdp, .. } | ClientMessage::VideoAnswer { sdp, .. }
                if !matches!(sdp.kind.as_str(), "offer" | "answer" | "pranswer" | "rollback") =>
            {
                Err(Refusal {
                    code: ErrorCode::InvalidMessage,
                    text: "a session description's type is offer, answer, pranswer or rollback".into(),
                })
            }
            ClientMessage::VideoOffer { sdp, .. } | ClientMessage::VideoAnswer { sdp, .. }
                if sdp.sdp.len() > self.max_sdp_bytes =>
            {
                Err(too_big("the session description", self.max_sdp_bytes))
            }
            ClientMessage::NewIceCandidate { candidate, .. } => {
                let len = candidate.candidate.len()
                    + candidate.sdp_mid.as_ref().map_or(0, String::len)
                    + candidate.username_fragment.as_ref().map_or(0, String::len);
                if len > self.max_candidate_bytes {
                    return Err(too_big("the ICE candidate", self.max_candidate_bytes));
                }
                Ok(())
            }
            ClientMessage::VideoOffer { .. } if !self.offer_rate.try_take() => Err(Refusal {
                code: ErrorCode::RateLimited,
                text: "too many offers (calls or renegotiations); this one was dropped".into(),
            }),
            _ => Ok(()),
        }
    }

    /// Tells the client why its message was not acted on; ends the session
    /// once it keeps causing refusals.
    fn refuse(&mut self, code: ErrorCode, text: impl Into<String>) -> Result<(), Closing> {
        self.hub.metrics.count_error(code);
        if !self.abuse.try_take() {
            return Err(Closing::Abusive);
        }
        self.send(&ServerMessage::error(code, text));
        Ok(())
    }

    fn send(&self, m: &ServerMessage) {
        self.outbox.push(&frame(m), &self.hub.metrics);
    }
}

impl Session {
    /// The connection was lost rather than closed: a Duet user keeps their
    /// name and call for the grace period, so their client can resume.
    /// The client closed on purpose (Duet's "Sign out"): its tickets are void.
    pub fn signed_out(&self) {
        if let Some(name) = self.name.as_deref().filter(|_| self.duet) {
            self.hub.signed_out(name, self.id);
        }
    }

    pub fn park_on_drop(&mut self) {
        self.park = self.duet && !self.resume_grace.is_zero();
    }

    /// The page is reloading: hold the name and call for `grace` (at most
    /// the resume grace) so it can take them back.
    pub fn park_briefly(&mut self, grace: std::time::Duration) {
        self.resume_grace = self.resume_grace.min(grace);
        self.park_on_drop();
    }
}

impl Drop for Session {
    /// However the connection ends, the user leaves and their call partner
    /// is told, now or (parked) once the grace period passes unresumed.
    fn drop(&mut self) {
        let Some(name) = self.name.take() else { return };
        if self.park && self.hub.park(&name, self.id) {
            let (hub, id, grace) = (self.hub.clone(), self.id, self.resume_grace);
            tokio::spawn(async move {
                tokio::time::sleep(grace).await;
                hub.expire(&name, id);
            });
        } else {
            self.hub.logout(&name, self.id);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    use super::*;
    use crate::{access::ticket::Tickets, metrics::Metrics};

    fn turn_expiry(m: &serde_json::Value) -> u64 {
        let turn = m["iceServers"].as_array().unwrap().iter().find(|s| s["username"].is_string()).unwrap();
        turn["username"].as_str().unwrap().split_once(':').unwrap().0.parse().unwrap()
    }

    /// What the connection's refresh timer does: fresh TURN credentials
    /// that expire `--turn-ttl-secs` from now, and a fresh resume ticket.
    #[tokio::test]
    async fn a_refresh_sends_new_turn_credentials_and_a_new_ticket() {
        let mut config = Config::defaults();
        config.turn.turn_urls = vec!["turn:127.0.0.1:3478".into()];
        config.turn.turn_secret = Some("s".parse().unwrap());
        config.turn.turn_ttl_secs = 600;
        config.auth.ticket_ttl_secs = 3600;
        config.validate().unwrap();
        assert_eq!(config.refresh_every(), Duration::from_secs(300), "half the shorter lifetime");
        let tickets = Tickets::ephemeral(Duration::from_secs(config.auth.ticket_ttl_secs));
        let hub = Hub::new(Arc::new(Metrics::default()), config.turn.ice()).with_tickets(tickets.clone());
        let (outbox, mut rx) = Outbox::new(1 << 20);
        let mut session = Session::new(1, Arc::new(hub), &config, outbox);
        session.on_text(r#"{"type":"username","name":"alice","duet":1}"#).await.unwrap();
        let mut sent = || {
            std::iter::from_fn(|| rx.try_recv())
                .map(|f| serde_json::from_str::<serde_json::Value>(&f).unwrap())
                .collect::<Vec<_>>()
        };
        let greeting = sent();
        let kinds: Vec<_> = greeting.iter().map(|m| m["type"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["id", "welcome", "userlist"], "no refresh before the timer");
        let welcome = &greeting[1];
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
        assert!((now + 598..=now + 601).contains(&turn_expiry(welcome)), "{welcome}");

        session.refresh_ice();
        let refresh = sent();
        let kinds: Vec<_> = refresh.iter().map(|m| m["type"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["ice-servers", "resume-ticket"]);
        assert!(refresh[0]["iceServers"][0]["credential"].is_string());
        assert!(turn_expiry(&refresh[0]) >= turn_expiry(welcome), "{}", refresh[0]);
        let ticket = refresh[1]["ticket"].as_str().unwrap();
        assert_eq!(tickets.verify(ticket).expect("a valid ticket").name, "alice");
    }

    #[test]
    fn a_ticket_lifetime_shorter_than_turns_sets_the_refresh() {
        let mut config = Config::defaults();
        config.auth.ticket_ttl_secs = 120;
        assert_eq!(config.refresh_every(), Duration::from_secs(60));
    }
}

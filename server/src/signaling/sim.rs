//! Sessions driven by scripted steps, without sockets or clocks, checking
//! after every step that the hub's invariants hold and that every relayed
//! message carries its real sender's name. Shared by the property tests
//! (`tests/session_prop.rs`) and the fuzz target (`fuzz/`).

use std::sync::Arc;

use duet_protocol::{ClientMessage, ServerMessage};
use futures_util::FutureExt;

use crate::{
    config::Config,
    metrics::Metrics,
    signaling::hub::{Hub, Inbox, Outbox},
    signaling::session::Session,
};

#[derive(Debug, Clone)]
pub enum Step {
    Connect(usize),
    Disconnect(usize),
    Text(usize, String),
    Binary(usize),
}

struct Client {
    session: Session,
    inbox: Inbox,
}

pub struct Sim {
    hub: Arc<Hub>,
    config: Config,
    clients: Vec<Option<Client>>,
    next_id: u64,
}

impl Sim {
    pub fn new(slots: usize) -> Self {
        let mut config = Config::defaults();
        // Limits are tested on real sockets; here they would only hide paths.
        config.limits.rate_burst = 1e9;
        config.limits.abuse_burst = 1e9;
        Sim {
            hub: Arc::new(Hub::new(Arc::new(Metrics::default()), Default::default())),
            config,
            clients: (0..slots).map(|_| None).collect(),
            next_id: 1,
        }
    }

    pub fn hub(&self) -> &Hub {
        &self.hub
    }

    /// Applies one step; Err describes the first broken property.
    pub fn step(&mut self, step: Step) -> Result<(), String> {
        let n = self.clients.len();
        let mut sender = None;
        let mut addressed = None;
        let mut departed = None;
        match step {
            Step::Connect(i) => {
                let slot = &mut self.clients[i % n];
                if slot.is_none() {
                    let (outbox, inbox) = Outbox::new(usize::MAX / 2);
                    let session = Session::new(self.next_id, self.hub.clone(), &self.config, outbox);
                    self.next_id += 1;
                    *slot = Some(Client { session, inbox });
                }
            }
            Step::Disconnect(i) => {
                if let Some(c) = self.clients[i % n].take() {
                    departed = c.session.name().map(str::to_owned);
                }
            }
            Step::Text(i, text) => {
                if let Some(c) = &mut self.clients[i % n] {
                    sender = c.session.name().map(str::to_owned);
                    // Whom the sender spoke to (or says it is in a call with):
                    // the only name a hang-up the server sends back may carry.
                    addressed = match ClientMessage::parse(&text) {
                        Ok(ClientMessage::Username { call, .. }) => call,
                        Ok(m) => m.target().map(str::to_owned),
                        Err(_) => None,
                    };
                    // The in-memory hub never waits, so the step completes at once.
                    let done = c.session.on_text(&text).now_or_never().expect("the in-memory hub never waits");
                    if done.is_err() {
                        self.clients[i % n] = None;
                    }
                }
            }
            Step::Binary(i) => {
                if let Some(c) = &mut self.clients[i % n] {
                    let _ = c.session.on_binary();
                }
            }
        }
        self.hub.check_invariants()?;
        self.hub.flush_presence();
        self.check_deliveries(sender.as_deref(), addressed.as_deref(), departed.as_deref())
    }

    fn check_deliveries(
        &mut self,
        sender: Option<&str>,
        addressed: Option<&str>,
        departed: Option<&str>,
    ) -> Result<(), String> {
        for c in self.clients.iter_mut().flatten() {
            let me = c.session.name().map(str::to_owned);
            while let Some(f) = c.inbox.try_recv() {
                let msg = ServerMessage::parse(&f).map_err(|e| format!("server sent unreadable {f}: {e}"))?;
                let (name, target, hangup) = match &msg {
                    ServerMessage::VideoOffer { name, target, .. }
                    | ServerMessage::VideoAnswer { name, target, .. }
                    | ServerMessage::NewIceCandidate { name, target, .. }
                    | ServerMessage::MediaState { name, target, .. } => (name, target, false),
                    ServerMessage::HangUp { name, target, .. } => (name, target, true),
                    _ => continue,
                };
                if Some(target.as_str()) != me.as_deref() {
                    return Err(format!("{me:?} received a message for {target}: {f}"));
                }
                let from_sender = Some(name.as_str()) == sender;
                // The server answers a call to a busy user with a hang-up in
                // the callee's name (the one the sender addressed), and tells
                // a partner who left.
                let answered_for = me.as_deref() == sender && Some(name.as_str()) == addressed;
                let server_hangup = hangup && (answered_for || Some(name.as_str()) == departed);
                if !from_sender && !server_hangup {
                    return Err(format!("{me:?} received {f} while {sender:?} was the sender"));
                }
            }
        }
        Ok(())
    }
}

//! Lobby chat: checked, stamped with the sender's name, HTML-escaped for
//! MDN's client, and broadcast to the other nodes.

use duet_protocol::{limits::MAX_CHAT_CHARS, ErrorCode, ServerMessage};

use super::{frame, Hub, Refusal, State};
use crate::{cluster::Broadcast, metrics::Metrics};

impl Hub {
    /// Broadcasts lobby chat with the sender's registered name.
    pub fn chat(&self, from: &str, text: &str, date: Option<f64>, id: Option<u64>) -> Result<(), Refusal> {
        if text.chars().count() > MAX_CHAT_CHARS {
            return Err(Refusal::new(
                ErrorCode::InvalidMessage,
                format!("chat messages are limited to {MAX_CHAT_CHARS} characters"),
            ));
        }
        if text.trim().is_empty() {
            return Err(Refusal::new(ErrorCode::InvalidMessage, "empty chat message"));
        }
        self.lock().chat_to_local(from, text, date, id, &self.metrics);
        if self.backplane.clustered() {
            let node = self.node().clone();
            self.backplane.broadcast(Broadcast::Chat { node, name: from.to_owned(), text: text.to_owned(), date, id });
        }
        Ok(())
    }
}

impl State {
    /// MDN's client puts chat into innerHTML, so its copy is HTML-escaped
    /// (the name too, though names cannot hold markup); Duet renders text.
    pub(super) fn chat_to_local(&self, from: &str, text: &str, date: Option<f64>, id: Option<u64>, metrics: &Metrics) {
        let make = |name: String, text: String| frame(&ServerMessage::Message { name, text, date, id });
        let for_duet = make(from.to_owned(), text.to_owned());
        let for_mdn = (self.mdn_clients > 0).then(|| make(escape_html(from), escape_html(text)));
        for user in self.local.values() {
            match (&for_mdn, user.duet) {
                (Some(m), false) => user.outbox.push_chat(m, metrics),
                _ => user.outbox.push_chat(&for_duet, metrics),
            }
        }
    }
}

fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_escaped_for_mdn_clients() {
        assert_eq!(
            escape_html("<img src=x onerror=alert(1)> & 'q'"),
            "&lt;img src=x onerror=alert(1)&gt; &amp; &#39;q&#39;"
        );
    }
}

//! The data channel both apps open in a call: chat lines, the data saver's
//! request and the recording notice, as JSON frames (docs/protocol.md).

use gloo::events::EventListener;
use wasm_bindgen::JsCast;
use web_sys::{MessageEvent, RtcDataChannelInit, RtcDataChannelState};

use super::{PeerEvent, PeerSession};
use crate::agent::js::describe;

/// Both sides create the chat channel with this id (`negotiated`), so it
/// exists from the first offer without an extra `datachannel` handshake.
const CHAT_CHANNEL_ID: u16 = 0;

/// A frame on the data channel: a chat line (`text`), the sender's data
/// saver (`saver`) or its recording (`recording`); JSON, so later fields can be added (docs/protocol.md).
#[derive(Default, serde::Serialize, serde::Deserialize)]
struct PeerFrame {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    saver: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    recording: Option<bool>,
    /// "Your recording is shown here": without it, nothing is recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    recording_seen: Option<bool>,
}

impl PeerSession {
    /// Creates the chat channel. The caller does it before its first offer,
    /// so the offer carries it; the callee after applying that offer, so
    /// the channel joins the negotiated transport instead of asking for a
    /// negotiation of its own (which would collide with the answer).
    pub fn open_chat(&self) {
        let init = RtcDataChannelInit::new();
        init.set_negotiated(true);
        init.set_id(CHAT_CHANNEL_ID);
        let chat = self.pc.create_data_channel_with_data_channel_dict("chat", &init);
        let mut listeners = vec![];
        for (event, ready) in [("open", true), ("close", false)] {
            let r = self.report.clone();
            listeners.push(EventListener::new(&chat, event, move |_| r(PeerEvent::ChatReady(ready))));
        }
        let r = self.report.clone();
        listeners.push(EventListener::new(&chat, "message", move |e| {
            let Some(data) = e.dyn_ref::<MessageEvent>().and_then(|m| m.data().as_string()) else { return };
            // The store holds the text to the chat limits; a frame that is
            // not ours is the peer's bug, not a reason to end the call.
            match serde_json::from_str::<PeerFrame>(&data) {
                Ok(PeerFrame { text: Some(text), .. }) => r(PeerEvent::Chat(text)),
                Ok(PeerFrame { saver: Some(on), .. }) => r(PeerEvent::DataSaver(on)),
                Ok(PeerFrame { recording: Some(on), .. }) => r(PeerEvent::Recording(on)),
                Ok(PeerFrame { recording_seen: Some(true), .. }) => r(PeerEvent::RecordingSeen),
                Ok(_) => {}
                Err(e) => gloo::console::warn!(format!("ignored data channel message: {e}")),
            }
        }));
        *self.chat.borrow_mut() = Some((chat, listeners));
    }

    pub fn send_chat(&self, text: &str) -> Result<(), String> {
        self.send_frame(&PeerFrame { text: Some(text.to_owned()), ..PeerFrame::default() })
    }

    /// Tells the partner our data saver is on (they cap what they send us).
    pub fn send_data_saver(&self, on: bool) -> Result<(), String> {
        self.send_frame(&PeerFrame { saver: Some(on), ..PeerFrame::default() })
    }

    /// Tells the partner we started or stopped recording (their app shows it).
    pub fn send_recording(&self, on: bool) -> Result<(), String> {
        self.send_frame(&PeerFrame { recording: Some(on), ..PeerFrame::default() })
    }

    /// Tells the partner their recording is shown here.
    pub fn send_recording_seen(&self) -> Result<(), String> {
        self.send_frame(&PeerFrame { recording_seen: Some(true), ..PeerFrame::default() })
    }

    fn send_frame(&self, frame: &PeerFrame) -> Result<(), String> {
        let chat = self.chat.borrow();
        let Some((chat, _)) = chat.as_ref().filter(|(c, _)| c.ready_state() == RtcDataChannelState::Open) else {
            return Err("the chat channel is not open".into());
        };
        let frame = serde_json::to_string(frame).map_err(|e| e.to_string())?;
        chat.send_with_str(&frame).map_err(describe)
    }
}

//! The agent's media and peer layer, for real: two RTCPeerConnections in one
//! page (fake camera and microphone) connect, video plays, and ending the
//! session stops every track.
// Browser-only: run by `cargo xtask test` with wasm-bindgen-test-runner.
#![cfg(target_arch = "wasm32")]

mod support;

use std::{cell::RefCell, rc::Rc, time::Duration};

use duet::{
    agent::{
        media::{open_local_media, open_track, Choice},
        peer::{IceSettings, PeerEvent, PeerSession},
    },
    store::DeviceKind,
};
use duet_protocol::ClientMessage;
use support::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{HtmlVideoElement, MediaStream, MediaStreamTrack, MediaStreamTrackState};

wasm_bindgen_test_configure!(run_in_browser);

#[derive(Default)]
struct Side {
    outbox: RefCell<Vec<ClientMessage>>,
    connected: RefCell<bool>,
    tracks: RefCell<u32>,
    chat_ready: RefCell<bool>,
    chats: RefCell<Vec<String>>,
}

fn reporter(side: Rc<Side>) -> Rc<dyn Fn(PeerEvent)> {
    Rc::new(move |ev| match ev {
        PeerEvent::Signal(m) => side.outbox.borrow_mut().push(m),
        PeerEvent::Connected => *side.connected.borrow_mut() = true,
        PeerEvent::RemoteTrack => *side.tracks.borrow_mut() += 1,
        PeerEvent::Disconnected | PeerEvent::Failed => *side.connected.borrow_mut() = false,
        PeerEvent::ChatReady(r) => *side.chat_ready.borrow_mut() = r,
        PeerEvent::Chat(text) => side.chats.borrow_mut().push(text),
    })
}

fn all_ended(stream: &MediaStream) -> bool {
    stream.get_tracks().iter().all(|t| MediaStreamTrack::from(t).ready_state() == MediaStreamTrackState::Ended)
}

#[wasm_bindgen_test]
async fn two_peer_connections_connect_play_video_and_release_the_camera() {
    let (a_media, issue) = open_local_media(&Choice::default()).await;
    assert_eq!(issue, None, "the fake camera and microphone open");
    let (b_media, _) = open_local_media(&Choice::default()).await;
    let (a_media, b_media) = (a_media.unwrap(), b_media.unwrap());
    assert_eq!(a_media.get_video_tracks().length(), 1);

    let (sa, sb) = (Rc::new(Side::default()), Rc::new(Side::default()));
    let direct = IceSettings { servers: vec![], relay_only: false };
    let a = PeerSession::new("b", false, &direct, Some(Clone::clone(&a_media)), reporter(sa.clone())).unwrap();
    let b = PeerSession::new("a", true, &direct, Some(Clone::clone(&b_media)), reporter(sb.clone())).unwrap();
    a.open_chat();
    a.add_local_tracks(true, true, true); // negotiationneeded → offer

    // Relay signaling between the two until media flows.
    let video: HtmlVideoElement = document().create_element("video").unwrap().unchecked_into();
    video.set_muted(true);
    video.set_autoplay(true);
    document().body().unwrap().append_child(&video).unwrap();
    let mut answered = false;
    let mut waited = 0;
    loop {
        // Taken out first: handlers push to the outboxes while we await below.
        let from_a = std::mem::take(&mut *sa.outbox.borrow_mut());
        let from_b = std::mem::take(&mut *sb.outbox.borrow_mut());
        for m in from_a {
            match m {
                ClientMessage::VideoOffer { sdp, .. } if !answered => {
                    let answer = {
                        b.apply_remote(&sdp).await.unwrap();
                        b.open_chat();
                        b.add_local_tracks(true, true, false);
                        b.answer().await.unwrap()
                    };
                    answered = true;
                    a.accept_answer(&answer).await.unwrap();
                }
                ClientMessage::NewIceCandidate { candidate, .. } => b.add_candidate(candidate).await,
                _ => {}
            }
        }
        for m in from_b {
            if let ClientMessage::NewIceCandidate { candidate, .. } = m {
                a.add_candidate(candidate).await;
            }
        }
        if answered && video.src_object().is_none() && *sb.tracks.borrow() > 0 {
            video.set_src_object(Some(&b.remote));
            let _ = video.play();
        }
        let frames = video.get_video_playback_quality().total_video_frames();
        if *sa.connected.borrow() && *sb.connected.borrow() && frames > 0 && video.video_width() > 0 {
            break;
        }
        assert!(
            waited < 15_000,
            "no video after 15 s (frames {frames}, connected a={} b={}, ready {} paused {} track events {} tracks {:?})",
            sa.connected.borrow(),
            sb.connected.borrow(),
            video.ready_state(),
            video.paused(),
            sb.tracks.borrow(),
            b.remote.get_tracks().iter().map(|t| { let t = MediaStreamTrack::from(t); format!("{} muted={} {:?}", t.kind(), t.muted(), t.ready_state()) }).collect::<Vec<_>>()
        );
        sleep(100).await;
        waited += 100;
    }
    // Frames keep coming.
    let before = video.get_video_playback_quality().total_video_frames();
    sleep(1000).await;
    assert!(video.get_video_playback_quality().total_video_frames() > before, "decoded frames rise");
    assert_eq!(*sb.tracks.borrow(), 2, "b received audio and video");

    // The chat data channel carries text both ways, peer to peer.
    wait_for("the chat channel", Duration::from_secs(5), || {
        (*sa.chat_ready.borrow() && *sb.chat_ready.borrow()).then_some(())
    })
    .await;
    a.send_chat("hello b").unwrap();
    b.send_chat("hello a").unwrap();
    wait_for("chat both ways", Duration::from_secs(5), || {
        (sb.chats.borrow().as_slice() == ["hello b"] && sa.chats.borrow().as_slice() == ["hello a"]).then_some(())
    })
    .await;

    // Switching to another camera replaces the sent track without
    // renegotiating: no new offer, and the far side keeps decoding frames.
    let old = a.local_track("video").unwrap();
    let other = open_track(DeviceKind::Camera, None).await.unwrap();
    let other_id = other.id();
    sa.outbox.borrow_mut().clear();
    a.switch_device(other, true).await.unwrap();
    assert_eq!(old.ready_state(), MediaStreamTrackState::Ended, "the old camera is released");
    assert_eq!(a.local_track("video").unwrap().id(), other_id);
    let before = video.get_video_playback_quality().total_video_frames();
    sleep(1000).await;
    assert!(video.get_video_playback_quality().total_video_frames() > before, "frames keep flowing after the switch");
    assert!(
        !sa.outbox.borrow().iter().any(|m| matches!(m, ClientMessage::VideoOffer { .. })),
        "replaceTrack needs no renegotiation"
    );

    // Muting disables the track rather than removing it.
    a.set_tracks(false, true);
    assert!(!MediaStreamTrack::from(a_media.get_audio_tracks().get(0)).enabled());

    // Ending the call stops the camera and microphone on both sides.
    assert!(!all_ended(&a_media));
    drop(a);
    drop(b);
    wait_for("tracks to end", Duration::from_secs(2), || (all_ended(&a_media) && all_ended(&b_media)).then_some(()))
        .await;
}

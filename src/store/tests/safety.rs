//! The safety number: the same on both ends of a call, different when a
//! middleman swapped a certificate, and verified per call.

use sha2::{Digest, Sha256};

use super::*;
use crate::store::safety::{digits, material, Unverifiable};

const ALICE_FP: &str =
    "sha-256 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB:3E:54:E8:5A:2B:7C:5D:34:E2:A1:9C:01";
const BOB_FP: &str =
    "sha-256 0F:74:31:25:CB:A2:E3:9A:FE:84:FF:5E:C4:A1:CD:52:6E:35:04:B0:E5:3B:5B:0C:37:96:5A:1B:4D:2C:8F:10";
const MALLORY_FP: &str =
    "sha-256 9C:01:2B:7C:5D:34:E2:A1:4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB:3E:54:E8:5A";

/// Chromium: the fingerprint on every media section.
fn chromium_sdp(fp: &str) -> String {
    format!(
        "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=fingerprint:{fp}\r\n\
         m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=fingerprint:{fp}\r\n"
    )
}

/// Firefox: once at session level, algorithm in upper case, hex in lower.
fn firefox_sdp(fp: &str) -> String {
    let (alg, hex) = fp.split_once(' ').unwrap();
    format!(
        "v=0\r\no=mozilla...THIS_IS_SDPARTA 1 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=fingerprint:{} {}\r\nm=audio 9 UDP/TLS/RTP/SAVPF 109\r\n",
        alg.to_uppercase(),
        hex.to_lowercase()
    )
}

fn number(local: &str, remote: &str) -> String {
    digits(&Sha256::digest(material(local, remote).unwrap().as_bytes()))
}

#[test]
fn both_ends_of_a_call_read_the_same_number_whatever_their_browsers() {
    let at_alice = number(&chromium_sdp(ALICE_FP), &firefox_sdp(BOB_FP));
    let at_bob = number(&firefox_sdp(BOB_FP), &chromium_sdp(ALICE_FP));
    assert_eq!(at_alice, at_bob);
    // Four groups of five digits.
    assert_eq!(at_alice.len(), 23);
    assert!(at_alice.split(' ').all(|g| g.len() == 5 && g.bytes().all(|b| b.is_ascii_digit())), "{at_alice}");
}

#[test]
fn a_swapped_fingerprint_changes_the_number_on_both_ends() {
    let honest = number(&chromium_sdp(ALICE_FP), &chromium_sdp(BOB_FP));
    // Mallory answers alice with her certificate and calls bob with it too.
    let at_alice = number(&chromium_sdp(ALICE_FP), &chromium_sdp(MALLORY_FP));
    let at_bob = number(&chromium_sdp(BOB_FP), &chromium_sdp(MALLORY_FP));
    assert_ne!(at_alice, honest);
    assert_ne!(at_bob, honest);
    assert_ne!(at_alice, at_bob, "reading them aloud exposes her");
    // No DTLS fingerprint, nothing to verify.
    assert_eq!(material("v=0\r\n", &chromium_sdp(BOB_FP)), Err(Unverifiable::NoDtls));
}

#[test]
fn a_description_naming_a_second_certificate_has_no_number() {
    // Mallory keeps bob's fingerprint at session level and puts hers on
    // each media section (which Chromium heeds): hashing every line would
    // give both ends the same number over {alice, bob, mallory}.
    let forged = format!("v=0\r\na=fingerprint:{BOB_FP}\r\n{}", chromium_sdp(MALLORY_FP).trim_start_matches("v=0\r\n"));
    assert_eq!(material(&chromium_sdp(ALICE_FP), &forged), Err(Unverifiable::SeveralCertificates));
    // The same certificate named twice (per media section) is one.
    assert!(material(&chromium_sdp(ALICE_FP), &chromium_sdp(BOB_FP)).is_ok());
    // The app says so instead of showing a number.
    let s = in_call("alice", "bob").reduce(Action::SafetyUnverifiable);
    assert!(s.safety_unverifiable && s.safety.is_none());
    assert!(!s.reduce(Action::HangUp).safety_unverifiable, "per call");
}

#[test]
fn digits_take_five_bytes_per_group() {
    let mut digest = [0u8; 32];
    digest[4] = 1; // group 1 = 1
    digest[9] = 0xff; // group 2 = 255
    digest[10..15].copy_from_slice(&[0xff; 5]); // 2^40 - 1 = 1,099,511,627,775
    assert_eq!(digits(&digest), "00001 00255 27775 00000");
}

#[test]
fn the_number_is_verified_per_call_and_a_new_certificate_unverifies_it() {
    let s = in_call("alice", "bob");
    let (s, _) = effects_of(&s, Action::ToggleSafety);
    assert!(s.show_safety);
    assert_eq!(s.safety, None, "not known before the connection is up");
    let s = s.reduce(Action::SafetyNumberFound("11111 22222 33333 44444".into()));
    let s = s.reduce(Action::ConfirmSafety);
    assert!(s.safety.as_ref().unwrap().verified);
    // An ICE restart derives the same number: still verified.
    let s = s.reduce(Action::SafetyNumberFound("11111 22222 33333 44444".into()));
    assert!(s.safety.as_ref().unwrap().verified);
    // Another certificate mid-call (the partner's app came back): not any more.
    let s = s.reduce(Action::SafetyNumberFound("55555 22222 33333 44444".into()));
    assert_eq!(s.safety, Some(SafetyNumber { digits: "55555 22222 33333 44444".into(), verified: false }));
    // Hanging up forgets it; the next call starts unverified.
    let s = s.reduce(Action::HangUp);
    assert_eq!((s.safety.clone(), s.show_safety), (None, false));
    let s = s.reduce(Action::SafetyNumberFound("11111 22222 33333 44444".into()));
    assert_eq!(s.safety, None, "no call, no number");
    let (s, _) = effects_of(&s, Action::ToggleSafety);
    assert!(!s.show_safety, "nothing to open outside a call");
}

#[test]
fn a_connection_made_while_it_rings_has_its_number_when_accepted() {
    let offer = srv(ServerMessage::VideoOffer {
        name: "alice".into(),
        target: "bob".into(),
        sdp: sdp("offer"),
        linked: false,
        preconnect: true,
    });
    let s = logged_in("bob", &["alice"]).reduce(offer);
    let s = s.reduce(Action::SafetyNumberFound("11111 22222 33333 44444".into()));
    let s = s.reduce(Action::Accept);
    assert!(s.call.is_in_call());
    assert_eq!(s.safety.map(|n| n.digits).as_deref(), Some("11111 22222 33333 44444"));
}

//! Screens for a person to look at: the page made a phone's or a laptop's
//! size, a screenshot saved under target/e2e/screens/, axe-core's verdict.

use std::path::PathBuf;

use crate::{wait_until, Browser, WAIT};

pub fn screens_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/e2e/screens");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Makes the page (not the window around it) `w`×`h`. Headless Chromium
/// keeps a title bar's height around the page, and below 500 px of window
/// width lays the page out at the width asked for.
pub async fn resize(b: &Browser, (w, h): (u32, u32)) {
    b.client.set_window_size(w, h).await.unwrap();
    let bar = b.js("return window.outerHeight - window.innerHeight").await.as_u64().unwrap_or(0) as u32;
    b.client.set_window_size(w, h + bar).await.unwrap();
    wait_until(&format!("{}: a {w}×{h} page", b.user), WAIT, || async {
        (b.js("return [window.innerWidth, window.innerHeight]").await == serde_json::json!([w, h])).then_some(())
    })
    .await;
}

/// Saves a screenshot and checks the page with axe-core.
pub async fn look(b: &Browser, screen: &str, theme: &str, (w, h): (u32, u32), problems: &mut Vec<String>) {
    // The test just used a theme or language picker; a person looking at
    // the screen would not have it focused.
    b.js("if (document.activeElement instanceof HTMLSelectElement) document.activeElement.blur(); return 1").await;
    // Layout and fonts settle after a resize.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    if let Some(png) = b.screenshot().await {
        std::fs::write(screens_dir().join(format!("{screen}-{theme}-{w}x{h}.png")), png).unwrap();
    }
    for v in b.axe().await {
        problems.push(format!("{screen}, {theme}, {w}×{h}: {v}"));
    }
}

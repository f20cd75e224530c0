//! Serves MDN's sample client (e2e/mdn_client/chatclient.html) from its own
//! loopback origin, as a page of another site would be, for tests that call
//! between it and Duet's app through duet-server.

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
};

const PAGE: &str = include_str!("../mdn_client/chatclient.html");

/// Starts the page server; returns its base URL (http://127.0.0.1:port/).
pub async fn serve() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut tcp, _)) = listener.accept().await {
            tokio::spawn(async move {
                // One request per connection: read the head, answer, close.
                let mut buf = vec![0u8; 8192];
                let mut got = 0;
                while got < buf.len() {
                    match tcp.read(&mut buf[got..]).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => got += n,
                    }
                    if buf[..got].windows(4).any(|w| w == b"\r\n\r\n") {
                        break;
                    }
                }
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    PAGE.len()
                );
                let _ = tcp.write_all(head.as_bytes()).await;
                let _ = tcp.write_all(PAGE.as_bytes()).await;
                let _ = tcp.shutdown().await;
            });
        }
    });
    url
}

/// An MDN client logged in as `name` in its own Chromium, through the
/// harness's duet-server.
pub async fn login(h: &crate::Harness, page: &str, name: &str) -> crate::Browser {
    let server = format!("ws://{}/", h.addr());
    let b = h.browser_with(name, &format!("{page}?server={server}"), &[]).await;
    b.js(&format!("window.mdn.connect({name:?}); return 0")).await;
    crate::wait_until(&format!("{name}: logged in"), crate::WAIT, || async {
        b.js("return window.mdn.users()").await.as_array().is_some_and(|u| u.iter().any(|n| n == name)).then_some(())
    })
    .await;
    b
}

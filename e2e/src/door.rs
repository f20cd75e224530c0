//! A TCP door in front of duet-server for one user's signaling: open, it
//! forwards each connection as it is; shut, it drops new ones at once, as a
//! network that is down would. A test decides when that user may come back.

use std::{
    net::SocketAddr,
    sync::{
        atomic::{AtomicBool, Ordering::Relaxed},
        Arc, Mutex,
    },
};

use tokio::net::{TcpListener, TcpStream};

pub struct Door {
    /// Where the user's page connects (`?server=ws://<addr>/ws`).
    pub addr: SocketAddr,
    open: Arc<AtomicBool>,
    upstream: Arc<Mutex<Option<SocketAddr>>>,
}

impl Door {
    /// An open door on loopback; say where it leads with [`Door::lead_to`].
    pub async fn start() -> Door {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let open = Arc::new(AtomicBool::new(true));
        let upstream = Arc::new(Mutex::new(None));
        let (is_open, to) = (open.clone(), upstream.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let upstream = *to.lock().unwrap();
                let (true, Some(upstream)) = (is_open.load(Relaxed), upstream) else { continue };
                tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
            }
        });
        Door { addr, open, upstream }
    }

    pub fn lead_to(&self, server: SocketAddr) {
        *self.upstream.lock().unwrap() = Some(server);
    }

    /// The signaling URL to give the page.
    pub fn url(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }

    pub fn shut(&self) {
        self.open.store(false, Relaxed);
    }

    pub fn open(&self) {
        self.open.store(true, Relaxed);
    }
}

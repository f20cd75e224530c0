//! A bad network in user space: a UDP relay in front of coturn that drops
//! and delays packets both ways. `tc netem` needs a kernel module these
//! machines lack; with relay-only calls, every media packet crosses this.

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{
        atomic::{AtomicU64, Ordering::Relaxed},
        Arc,
    },
    time::Duration,
};

use tokio::net::UdpSocket;

pub struct LossyUdp {
    pub port: u16,
    /// Packets relayed and packets dropped, both ways.
    pub relayed: Arc<AtomicU64>,
    pub dropped: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl LossyUdp {
    /// Relays to `upstream` (127.0.0.1:port), dropping `loss` (0..1) of the
    /// packets in each direction and delaying the rest by `delay`.
    pub async fn start(upstream: u16, loss: f64, delay: Duration) -> LossyUdp {
        let front = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
        let port = front.local_addr().unwrap().port();
        let (relayed, dropped) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
        let (r, d) = (relayed.clone(), dropped.clone());
        let task = tokio::spawn(async move {
            let upstream: SocketAddr = ([127, 0, 0, 1], upstream).into();
            // One socket towards coturn per client, so coturn tells clients apart.
            let mut backs: HashMap<SocketAddr, Arc<UdpSocket>> = HashMap::new();
            let mut dice = Dice(0x9e37_79b9_7f4a_7c15);
            let mut buf = vec![0u8; 65_536];
            loop {
                let Ok((n, client)) = front.recv_from(&mut buf).await else { return };
                let back = match backs.get(&client) {
                    Some(b) => b.clone(),
                    None => {
                        let back = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
                        back.connect(upstream).await.unwrap();
                        backs.insert(client, back.clone());
                        // coturn → client, through the same bad path.
                        let (front, back2, r, d) = (front.clone(), back.clone(), r.clone(), d.clone());
                        tokio::spawn(async move {
                            let mut dice = Dice(client.port() as u64 | 1);
                            let mut buf = vec![0u8; 65_536];
                            while let Ok(n) = back2.recv(&mut buf).await {
                                if dice.roll() < loss {
                                    d.fetch_add(1, Relaxed);
                                    continue;
                                }
                                r.fetch_add(1, Relaxed);
                                let (front, packet) = (front.clone(), buf[..n].to_vec());
                                tokio::spawn(async move {
                                    tokio::time::sleep(delay).await;
                                    let _ = front.send_to(&packet, client).await;
                                });
                            }
                        });
                        back
                    }
                };
                if dice.roll() < loss {
                    d.fetch_add(1, Relaxed);
                    continue;
                }
                r.fetch_add(1, Relaxed);
                let packet = buf[..n].to_vec();
                tokio::spawn(async move {
                    tokio::time::sleep(delay).await;
                    let _ = back.send(&packet).await;
                });
            }
        });
        LossyUdp { port, relayed, dropped, task }
    }

    pub fn url(&self) -> String {
        format!("turn:127.0.0.1:{}?transport=udp", self.port)
    }
}

impl Drop for LossyUdp {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// xorshift64: reproducible losses without a dependency.
struct Dice(u64);

impl Dice {
    fn roll(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

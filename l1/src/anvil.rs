//! A local anvil node for tests and development: started on a free
//! loopback port, waited for, and killed (and reaped) when dropped, also
//! when a test panics. The binary comes from the npm package
//! `@foundry-rs/anvil-linux-amd64` (pinned in `contracts/package-lock.json`);
//! callers pass its path.
//!
//! [`DEV_KEYS`] are anvil's default accounts: publicly known keys, for
//! development chains only.

use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::error::L1Error;

/// anvil's first default accounts (mnemonic "test test … junk"): public
/// knowledge, never for a real chain.
pub const DEV_KEYS: [&str; 4] = [
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
];

/// How long a starting node may take to listen.
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// A running anvil; killed on drop.
#[derive(Debug)]
pub struct Anvil {
    child: Child,
    port: u16,
    chain_id: u64,
}

impl Anvil {
    /// Starts `bin` on a free loopback port with `chain_id` and the extra
    /// `args`, and waits until it accepts connections.
    pub fn spawn(bin: &Path, chain_id: u64, args: &[&str]) -> Result<Self, L1Error> {
        let io = |e: std::io::Error| L1Error::Io {
            path: bin.display().to_string(),
            reason: e.to_string(),
        };
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|l| l.local_addr())
            .map_err(io)?
            .port();
        let child = Command::new(bin)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--chain-id", &chain_id.to_string(), "--quiet"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(io)?;
        let mut node = Self {
            child,
            port,
            chain_id,
        };
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let start = Instant::now();
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            if let Ok(Some(status)) = node.child.try_wait() {
                return Err(L1Error::Io {
                    path: bin.display().to_string(),
                    reason: format!("anvil exited at start: {status}"),
                });
            }
            if start.elapsed() > START_TIMEOUT {
                return Err(L1Error::Io {
                    path: bin.display().to_string(),
                    reason: format!("anvil did not listen on {addr} within {START_TIMEOUT:?}"),
                });
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        // Listening; the node answers once it has its genesis, a moment later.
        std::thread::sleep(Duration::from_millis(100));
        node.port = port;
        Ok(node)
    }

    /// The node's JSON-RPC URL.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The chain id it serves.
    pub fn chain_id(&self) -> u64 {
        self.chain_id
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Anvil {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

//! FreeSWITCH's inbound event socket at the address the daemon's
//! configuration names. The fake switch binds its inbound server on an
//! ephemeral port; this relays each connection to it byte for byte, so the
//! fake stays as the tests use it. Only the control connection (HEARTBEAT,
//! a few api commands) passes here; calls come the other way.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};

use crate::error::LoadgenError;

/// Listens on `at` and relays every connection to `to`.
pub async fn start(at: SocketAddr, to: SocketAddr) -> Result<(), LoadgenError> {
    let listener = TcpListener::bind(at)
        .await
        .map_err(|why| LoadgenError::Bind {
            addr: at,
            what: "FreeSWITCH's event socket",
            why,
        })?;
    tokio::spawn(async move {
        loop {
            match listener.accept().await {
                Ok((mut daemon, _)) => {
                    tokio::spawn(async move {
                        let Ok(mut fake) = TcpStream::connect(to).await else {
                            return;
                        };
                        let _ = daemon.set_nodelay(true);
                        let _ = fake.set_nodelay(true);
                        let _ = tokio::io::copy_bidirectional(&mut daemon, &mut fake).await;
                    });
                }
                // Out of descriptors: wait for some to free up.
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    });
    Ok(())
}

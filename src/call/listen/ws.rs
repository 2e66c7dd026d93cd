//! The websocket a stream writes to: the upgrade request (a listen's
//! `audio.jambonz.org` subprotocol and basic authentication from `wsAuth`;
//! a recognizer's bearer API key), bounded in time.

use std::time::Duration;

use base64::Engine as _;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::app::listen::WsAuth;
use crate::secret::Secret;

/// An open websocket.
pub(crate) type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The subprotocol jambonz's listen servers accept.
pub(crate) const SUBPROTOCOL: &str = "audio.jambonz.org";

/// The `Authorization` of the upgrade request.
#[derive(Debug, Clone)]
pub(crate) enum Auth {
    /// A listen's `wsAuth`.
    Basic(WsAuth),
    /// A recognizer's API key (`[speech.<name>] api_key`).
    Bearer(Secret),
}

impl Auth {
    fn header(&self) -> String {
        match self {
            Auth::Basic(a) => format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!(
                    "{}:{}",
                    a.username,
                    a.password.expose()
                ))
            ),
            Auth::Bearer(key) => format!("Bearer {}", key.expose()),
        }
    }
}

/// Longest a connection (TCP, TLS, upgrade) may take.
pub(crate) const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Why a websocket could not be opened. Never carries the password.
#[derive(Debug, thiserror::Error)]
pub(crate) enum WsError {
    /// The URL or a header could not be made into a request.
    #[error("cannot build the websocket request: {0}")]
    Request(String),
    /// The server refused or could not be reached.
    #[error("cannot connect to the websocket: {0}")]
    Connect(String),
    /// No answer in time.
    #[error("the websocket did not answer within {} s", CONNECT_TIMEOUT.as_secs())]
    Timeout,
}

/// Opens `url` (with `auth`, asking for `subprotocol`).
pub(crate) async fn connect(
    url: &str,
    auth: Option<&Auth>,
    subprotocol: Option<&'static str>,
) -> Result<Socket, WsError> {
    let mut request = url
        .into_client_request()
        .map_err(|e| WsError::Request(e.to_string()))?;
    let headers = request.headers_mut();
    if let Some(p) = subprotocol {
        headers.insert("Sec-WebSocket-Protocol", HeaderValue::from_static(p));
    }
    if let Some(a) = auth {
        let value = HeaderValue::from_str(&a.header())
            .map_err(|_| WsError::Request("the credentials cannot be sent as a header".into()))?;
        headers.insert("Authorization", value);
    }
    match tokio::time::timeout(CONNECT_TIMEOUT, tokio_tungstenite::connect_async(request)).await {
        Ok(Ok((socket, _))) => Ok(socket),
        Ok(Err(e)) => Err(WsError::Connect(e.to_string())),
        Err(_) => Err(WsError::Timeout),
    }
}

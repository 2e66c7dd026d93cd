//! The websocket a stream writes to: the upgrade request (jambonz's
//! `audio.jambonz.org` subprotocol, basic authentication from `wsAuth`),
//! bounded in time.

use std::time::Duration;

use base64::Engine as _;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::app::listen::WsAuth;

/// An open websocket.
pub(crate) type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The subprotocol jambonz's listen servers accept.
pub(crate) const SUBPROTOCOL: &str = "audio.jambonz.org";

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

/// Opens `url` (with `auth`).
pub(crate) async fn connect(url: &str, auth: Option<&WsAuth>) -> Result<Socket, WsError> {
    let mut request = url
        .into_client_request()
        .map_err(|e| WsError::Request(e.to_string()))?;
    let headers = request.headers_mut();
    headers.insert(
        "Sec-WebSocket-Protocol",
        HeaderValue::from_static(SUBPROTOCOL),
    );
    if let Some(a) = auth {
        let token = base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{}", a.username, a.password.expose()));
        let value = HeaderValue::from_str(&format!("Basic {token}"))
            .map_err(|_| WsError::Request("wsAuth cannot be sent as a header".into()))?;
        headers.insert("Authorization", value);
    }
    match tokio::time::timeout(
        CONNECT_TIMEOUT,
        tokio_tungstenite::connect_async(request),
    )
    .await
    {
        Ok(Ok((socket, _))) => Ok(socket),
        Ok(Err(e)) => Err(WsError::Connect(e.to_string())),
        Err(_) => Err(WsError::Timeout),
    }
}

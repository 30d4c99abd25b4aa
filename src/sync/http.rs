//! HTTP to the sync server (SYNC.md endpoints) with gloo-net; every outcome becomes an
//! engine `Reply`, never a panic.

use crm_core::{
    sync::{Reply, Request},
    wire::{ErrorResponse, LoginRequest, LoginResponse, PullResponse, PushResponse, API_PREFIX},
};
use gloo_net::http::Request as HttpRequest;

use super::session::Session;

/// Why signing in failed, in words for the form.
#[derive(Debug, Clone, PartialEq)]
pub enum LoginError {
    /// Wrong email or password.
    Credentials,
    /// The server could not be reached or answered something else.
    Unreachable(String),
}

fn base(server: &str) -> String {
    server.trim().trim_end_matches('/').to_string()
}

/// `POST /auth/login`.
pub async fn login(server: &str, email: &str, password: &str) -> Result<LoginResponse, LoginError> {
    let url = format!("{}{API_PREFIX}/auth/login", base(server));
    let body = LoginRequest {
        email: email.trim().to_string(),
        password: password.to_string(),
    };
    let request = HttpRequest::post(&url)
        .json(&body)
        .map_err(|e| LoginError::Unreachable(e.to_string()))?;
    let response = request
        .send()
        .await
        .map_err(|e| LoginError::Unreachable(e.to_string()))?;
    match response.status() {
        200 => response
            .json::<LoginResponse>()
            .await
            .map_err(|e| LoginError::Unreachable(e.to_string())),
        401 => Err(LoginError::Credentials),
        status => Err(LoginError::Unreachable(format!("HTTP {status}"))),
    }
}

/// Sends one engine request and turns whatever happens into a `Reply`.
pub async fn send(session: &Session, request: &Request) -> Reply {
    let url = format!("{}{}", base(&session.server), request.path());
    let auth = format!("Bearer {}", session.token);
    let built = match request {
        Request::Push { body, .. } => HttpRequest::post(&url)
            .header("Authorization", &auth)
            .json(body),
        Request::Pull { .. } => HttpRequest::get(&url)
            .header("Authorization", &auth)
            .build(),
    };
    let Ok(built) = built else {
        return Reply::Unreachable;
    };
    let Ok(response) = built.send().await else {
        return Reply::Unreachable;
    };
    let status = response.status();
    if status == 200 {
        let parsed = match request {
            Request::Push { .. } => response.json::<PushResponse>().await.map(Reply::Pushed),
            Request::Pull { .. } => return pulled(response).await,
        };
        parsed.unwrap_or(Reply::Unreachable)
    } else {
        Reply::Refused {
            status,
            body: response.json::<ErrorResponse>().await.ok(),
        }
    }
}

/// A pull page parsed from its bytes: skips decoding megabytes into a JS string and
/// copying it back into wasm memory (`Response::json` does both).
async fn pulled(response: gloo_net::http::Response) -> Reply {
    match response.binary().await {
        Ok(bytes) => serde_json::from_slice::<PullResponse>(&bytes)
            .map(Reply::Pulled)
            .unwrap_or(Reply::Unreachable),
        Err(_) => Reply::Unreachable,
    }
}

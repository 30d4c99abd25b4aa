//! HTTP to the sync server (SYNC.md endpoints) with gloo-net; every outcome becomes an
//! engine `Reply`, never a panic.

use crm_core::{
    sync::{Reply, Request},
    wire::{
        ErrorResponse, LoginRequest, LoginResponse, PullQuery, PullResponse, PushResponse,
        API_PREFIX, PULL_CURSOR_HEADER, PULL_MORE_HEADER,
    },
};
use futures::channel::oneshot;
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

/// The next pull page, asked for as soon as the page before it announced its cursor in
/// its headers, so the server prepares it while the page before is read, parsed and
/// stored. Used when the engine's next request is that very page; dropped otherwise.
pub struct NextPage {
    path: String,
    answer: oneshot::Receiver<Option<gloo_net::http::Response>>,
}

impl NextPage {
    /// Sends `GET path` now, in the background.
    fn request(session: &Session, path: String) -> NextPage {
        let (done, answer) = oneshot::channel();
        let (url, auth) = endpoint(session, &path);
        wasm_bindgen_futures::spawn_local(async move {
            let _ = done.send(get(&url, &auth).await);
        });
        NextPage { path, answer }
    }
}

/// The URL of `path` on the session's server and its `Authorization` value.
fn endpoint(session: &Session, path: &str) -> (String, String) {
    (
        format!("{}{path}", base(&session.server)),
        format!("Bearer {}", session.token),
    )
}

/// `GET url`; `None` when it could not be sent or no answer came.
async fn get(url: &str, auth: &str) -> Option<gloo_net::http::Response> {
    let request = HttpRequest::get(url)
        .header("Authorization", auth)
        .build()
        .ok()?;
    request.send().await.ok()
}

/// Sends one engine request (or takes its answer from `next`, when that is the same
/// page) and turns whatever happens into a `Reply`. A pull page that says more follow
/// leaves the request for the page after it in `next`.
pub async fn send(session: &Session, request: &Request, next: &mut Option<NextPage>) -> Reply {
    let path = request.path();
    let (url, auth) = endpoint(session, &path);
    let response = match (request, next.take()) {
        (Request::Pull { .. }, Some(page)) if page.path == path => page.answer.await.ok().flatten(),
        (Request::Pull { .. }, _) => get(&url, &auth).await,
        (Request::Push { body, .. }, _) => {
            match HttpRequest::post(&url)
                .header("Authorization", &auth)
                .json(body)
            {
                Ok(built) => built.send().await.ok(),
                Err(_) => None,
            }
        }
    };
    let Some(response) = response else {
        return Reply::Unreachable;
    };
    let status = response.status();
    if status != 200 {
        return Reply::Refused {
            status,
            body: response.json::<ErrorResponse>().await.ok(),
        };
    }
    match request {
        Request::Push { .. } => response
            .json::<PushResponse>()
            .await
            .map(Reply::Pushed)
            .unwrap_or(Reply::Unreachable),
        Request::Pull { id, query } => {
            *next =
                next_page_path(&response, *id, query).map(|path| NextPage::request(session, path));
            pulled(response).await
        }
    }
}

/// The path of the page after `response`, when its headers say more follow.
fn next_page_path(
    response: &gloo_net::http::Response,
    id: crm_core::sync::RequestId,
    query: &PullQuery,
) -> Option<String> {
    let headers = response.headers();
    if headers.get(PULL_MORE_HEADER).as_deref() != Some("true") {
        return None;
    }
    let cursor = headers.get(PULL_CURSOR_HEADER)?;
    let query = PullQuery {
        since: Some(cursor),
        limit: query.limit,
    };
    Some(Request::Pull { id, query }.path())
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

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn page(more: &str, cursor: Option<&str>) -> gloo_net::http::Response {
        let mut builder = gloo_net::http::Response::builder().header(PULL_MORE_HEADER, more);
        if let Some(cursor) = cursor {
            builder = builder.header(PULL_CURSOR_HEADER, cursor);
        }
        builder.body(Some("{}")).unwrap()
    }

    #[wasm_bindgen_test]
    fn the_next_page_is_the_same_query_after_the_announced_cursor() {
        let query = PullQuery {
            since: Some("7".into()),
            limit: Some(5000),
        };
        assert_eq!(
            next_page_path(&page("true", Some("12 34")), 1, &query).as_deref(),
            Some("/api/v1/sync/pull?since=12%2034&limit=5000")
        );
        assert_eq!(next_page_path(&page("false", Some("99")), 1, &query), None);
        assert_eq!(
            next_page_path(&page("true", None), 1, &query),
            None,
            "no cursor, nothing to ask for"
        );
    }
}

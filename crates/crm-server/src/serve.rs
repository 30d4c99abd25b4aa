//! Running the server: logging, binding, serving until SIGINT/SIGTERM, then finishing
//! the requests in flight (graceful shutdown).

use std::{future::Future, net::SocketAddr, path::Path};

use tokio::net::TcpListener;
use tracing_subscriber::EnvFilter;

use crate::{config::Config, http, state::AppState};

/// `crm-server serve`: blocks until a shutdown signal. Prints
/// `crm-server listening on http://<addr>` on stdout once it accepts connections.
pub fn run_blocking(
    db: &Path,
    addr: SocketAddr,
    config: Config,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let state = AppState::open(db, config)?;
        let listener = TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        println!("crm-server listening on http://{local}");
        tracing::info!(%local, db = %db.display(), "serving");
        serve(listener, state, shutdown_signal()).await?;
        tracing::info!("stopped");
        Ok(())
    })
}

/// Serves the app on a bound listener until `shutdown` resolves (tests and benchmarks
/// pass their own).
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, http::app(state))
        .with_graceful_shutdown(shutdown)
        .await
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("SIGINT: shutting down"),
        () = term => tracing::info!("SIGTERM: shutting down"),
    }
}

//! The `cairn` binary: see [`cairn_server::cli`].

use std::process::ExitCode;

// The ingest path allocates many small JSON values per event; mimalloc serves them markedly
// faster than glibc's allocator under concurrency (see `make bench`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("CAIRN_LOG").unwrap_or_else(
            |_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=warn"),
        ))
        .with_writer(std::io::stderr)
        .init();
    match cairn_server::cli::run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

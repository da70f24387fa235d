//! The `cairn` binary: see [`cairn_server::cli`].

use std::process::ExitCode;

// The ingest path allocates many small JSON values per event; mimalloc serves them markedly
// faster than glibc's allocator under concurrency (see `make bench`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc asks the kernel for transparent huge pages (`MADV_HUGEPAGE`) on its arenas, and
/// the kernel then backs each 2 MiB of them that is touched at all with a whole huge page:
/// under `ingest_bench`'s load a third of the server's memory was such pages, and its peak RSS
/// 61-65 MiB instead of 37, with no CPU time to show for them (alternating runs, the same
/// within the noise). Turning them off for the process keeps the 64 MB target with room. The
/// flag is the process's, so the runtime's threads, already started, have it too.
fn without_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    if let Err(err) = nix::sys::prctl::set_thp_disable(true) {
        eprintln!("warning: transparent huge pages stay on: {err}");
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    without_transparent_huge_pages();
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

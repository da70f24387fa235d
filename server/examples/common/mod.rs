//! What the benches share: a real `cairn serve` on loopback.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// A `cairn serve` on a free loopback port, stopped when the bench ends, also by a panic or a
/// failed check: an orphaned server kept a core busy and the bench's output pipe open.
pub struct Server {
    child: Child,
    /// Where it listens, e.g. `http://127.0.0.1:40123`.
    pub url: String,
}

impl Server {
    /// Starts `cairn` (the binary) on the data directory `data`, serving the dashboard from
    /// `dist` (a directory that does not exist for the benches of the API), and waits until it
    /// listens.
    pub fn start(cairn: &Path, data: &Path, dist: &Path) -> Server {
        let mut child = Command::new(cairn)
            .args(["serve", "--bind", "127.0.0.1:0"])
            .arg("--data-dir")
            .arg(data)
            .arg("--dist-dir")
            .arg(dist)
            .env("CAIRN_LOG", "error")
            // The benches' events are dated in 2023 (fixed, comparable data): retention would
            // delete their issues as soon as the server starts.
            .env("CAIRN_RETENTION_DAYS", "0")
            .stdout(Stdio::piped())
            .spawn()
            .expect("cairn serve starts");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let url = loop {
            let line = lines.next().expect("server output").expect("line");
            if let Some(url) = line.strip_prefix("Cairn is listening on ") {
                break url.trim().to_owned();
            }
        };
        // Keeps reading, so that the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Server { child, url }
    }

    /// The server's process id, to read its CPU time, I/O and memory from /proc.
    #[allow(dead_code)] // Only `ingest_bench` reads /proc; each bench compiles this module.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

//! Fork bomb: spawn lingering children until the process limit stops us.
use std::process::Command;

pub fn run() {
    let mut children = Vec::new();
    loop {
        match Command::new("sleep").arg("60").spawn() {
            Ok(child) => children.push(child),
            Err(e) => {
                eprintln!("spawn failed after {} children: {e}", children.len());
                std::process::exit(1);
            }
        }
    }
}

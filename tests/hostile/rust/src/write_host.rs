//! Write to the host: create a file at each of the comma-separated absolute paths; exit 3 when all are denied.
pub fn run(paths: &str) {
    let mut wrote = false;
    for path in paths.split(',') {
        match std::fs::write(path, "pwned by write_host") {
            Ok(()) => {
                wrote = true;
                println!("WROTE {path}");
            }
            Err(e) => eprintln!("write denied: {path}: {e}"),
        }
    }
    std::process::exit(if wrote { 0 } else { 3 });
}

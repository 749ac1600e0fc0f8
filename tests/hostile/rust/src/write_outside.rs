//! Write outside the workspace: overwrite a host file.
pub fn run(path: &str) {
    match std::fs::write(path, "pwned by write_outside") {
        Ok(()) => println!("WROTE"),
        Err(e) => {
            eprintln!("write denied: {e}");
            std::process::exit(1);
        }
    }
}

//! Setuid: run a setuid-root copy of `id` to gain root; no_new_privs or a nosuid mount would stop it.
use std::process::Command;

pub fn run(id: &str) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let nnp = status.lines().find_map(|l| l.strip_prefix("NoNewPrivs:")).map(str::trim).unwrap_or("?");
    println!("NNP {nnp}");
    match Command::new(id).arg("-u").output() {
        Ok(out) => println!("EUID {}", String::from_utf8_lossy(&out.stdout).trim()),
        Err(e) => {
            eprintln!("exec denied: {e}");
            std::process::exit(3);
        }
    }
}

//! Fill the disk: append 1 MiB blocks to one file until something stops us.
use std::io::Write;

pub fn run() {
    let block = vec![0u8; 1 << 20];
    let mut f = std::fs::File::create("fill.bin").unwrap();
    loop {
        if let Err(e) = f.write_all(&block) {
            eprintln!("write failed: {e}");
            std::process::exit(1);
        }
    }
}

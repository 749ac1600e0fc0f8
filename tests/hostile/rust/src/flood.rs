//! Output flood on stdout or stderr.
use std::io::Write;

pub fn run(stderr: bool) {
    let mut line = vec![if stderr { b'e' } else { b'x' }; 65535];
    line.push(b'\n');
    let mut out: Box<dyn Write> = if stderr { Box::new(std::io::stderr()) } else { Box::new(std::io::stdout()) };
    loop {
        if out.write_all(&line).is_err() {
            std::process::exit(1);
        }
    }
}

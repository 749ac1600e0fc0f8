//! Network: open a TCP connection to a public address; exit 3 with the error when denied.
use std::net::TcpStream;
use std::time::Duration;

pub fn run() {
    match TcpStream::connect_timeout(&"1.1.1.1:80".parse().unwrap(), Duration::from_secs(3)) {
        Ok(_) => println!("CONNECTED"),
        Err(e) => {
            eprintln!("network denied: {e}");
            std::process::exit(3);
        }
    }
}

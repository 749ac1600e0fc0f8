// Docker socket: connect to the container engine's Unix sockets and ask it for its version; exit 3 when all are denied.
const net = require("net");

const SOCKETS = ["/run/docker.sock", "/var/run/docker.sock", "/run/containerd/containerd.sock",
  "/var/run/containerd/containerd.sock"];

export function run(): void {
  let reached = false;
  const tryNext = (i: number): void => {
    if (i === SOCKETS.length) {
      process.exit(reached ? 0 : 3);
    }
    const path = SOCKETS[i];
    const socket = net.connect({ path });
    let connected = false;
    let done = false;
    const settle = (line: string, denied: boolean): void => {
      if (done) {
        return;
      }
      done = true;
      socket.destroy();
      if (denied) {
        process.stderr.write(`socket denied: ${path}: ${line}\n`);
      } else {
        console.log(`SOCKET-REACHED ${path} ${line.split("\n")[0].trim() || "(no reply)"}`);
      }
      tryNext(i + 1);
    };
    socket.setTimeout(2000);
    socket.on("connect", () => {
      connected = reached = true;
      socket.write("GET /version HTTP/1.0\r\nHost: docker\r\n\r\n");
    });
    socket.on("data", (chunk: { toString(): string }) => settle(chunk.toString().slice(0, 4096), false));
    socket.on("end", () => settle("", false));
    socket.on("timeout", () => settle(connected ? "" : "timed out", !connected));
    socket.on("error", (e: Error) => settle(connected ? "" : e.message, !connected));
  };
  tryNext(0);
}

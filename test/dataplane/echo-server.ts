// A test backend, run inside the data-plane network namespace (`ip netns exec … node echo-server.ts`).
// It answers every request with what it received, as JSON, so a test can see what Envoy forwarded:
//   GET /sse?events=N&intervalMs=M   server-sent events, N events M ms apart
//   GET /delay?ms=N                  answers after N ms
//   GET /status/N                    answers with status N
//   WebSocket upgrade                echoes text frames back (RFC 6455, unmasked server frames)
//   GET /__requests                  the last requests it answered (method, path, host), oldest first
//   GET <path> of a --file           that file's content as application/json (e.g. a JWKS)
// With --h2c it speaks HTTP/2 over cleartext only (prior knowledge, no HTTP/1.1): the JSON's
// httpVersion says "2.0", and a client speaking HTTP/1.1 to it fails.
// Usage: node echo-server.ts --name NAME --port PORT [--h2c | --tls-cert FILE --tls-key FILE] [--file /path=FILE ...]
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer as createHttp, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createH2c } from "node:http2";
import { createServer as createHttps } from "node:https";
import type { Duplex } from "node:stream";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: { name: { type: "string" }, port: { type: "string" }, h2c: { type: "boolean" }, "tls-cert": { type: "string" }, "tls-key": { type: "string" }, file: { type: "string", multiple: true } },
});
const files = new Map((values.file ?? []).map((f) => [f.slice(0, f.indexOf("=")), f.slice(f.indexOf("=") + 1)] as const));
const name = values.name ?? "echo";
const port = Number(values.port);
const MAX_EVENTS = 1_000;
const MAX_LOGGED = 2_000;
/** What a mirror test asks the backend: which requests reached it (a mirror's answers go nowhere). */
const seen: { method: string | undefined; path: string; host: string | undefined }[] = [];

function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? "/", "http://backend");
  const body: Buffer[] = [];
  req.on("data", (c: Buffer) => body.push(c));
  req.on("end", () => {
    if (url.pathname === "/__requests") {
      res.writeHead(200, { "content-type": "application/json", "x-backend": name });
      res.end(JSON.stringify(seen));
      return;
    }
    seen.push({ method: req.method, path: url.pathname, host: req.headers.host });
    if (seen.length > MAX_LOGGED) seen.shift();
    if (url.pathname === "/sse") {
      const n = Math.min(Number(url.searchParams.get("events") ?? "3"), MAX_EVENTS);
      const every = Number(url.searchParams.get("intervalMs") ?? "100");
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      let i = 0;
      const tick = (): void => {
        res.write(`data: ${name} ${i}\n\n`);
        i += 1;
        if (i >= n) res.end();
        else setTimeout(tick, every);
      };
      tick();
      return;
    }
    const file = files.get(url.pathname);
    if (file !== undefined) {
      res.writeHead(200, { "content-type": "application/json", "x-backend": name });
      res.end(readFileSync(file));
      return;
    }
    const status = /^\/status\/(\d{3})$/.exec(url.pathname);
    const delay = url.pathname === "/delay" ? Number(url.searchParams.get("ms") ?? "0") : 0;
    const reply = (): void => {
      res.writeHead(status ? Number(status[1]) : 200, { "content-type": "application/json", "x-backend": name });
      res.end(
        JSON.stringify({
          backend: name,
          method: req.method,
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          headers: req.headers,
          body: Buffer.concat(body).toString("utf8"),
          httpVersion: req.httpVersion,
        }),
      );
    };
    if (delay > 0) setTimeout(reply, Math.min(delay, 120_000));
    else reply();
  });
}

/** A minimal RFC 6455 echo: enough for one text frame at a time (payloads < 64 KiB). */
function upgrade(req: IncomingMessage, socket: Duplex): void {
  const key = req.headers["sec-websocket-key"];
  if (typeof key !== "string") {
    socket.end("HTTP/1.1 400 Bad Request\r\n\r\n");
    return;
  }
  const accept = createHash("sha1").update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest("base64");
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
  let buf = Buffer.alloc(0);
  socket.on("data", (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    while (buf.length >= 2) {
      const op = (buf[0] as number) & 0x0f;
      let len = (buf[1] as number) & 0x7f;
      let off = 2;
      if (len === 126) {
        if (buf.length < 4) return;
        len = buf.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        socket.destroy();
        return;
      }
      const masked = ((buf[1] as number) & 0x80) !== 0;
      const need = off + (masked ? 4 : 0) + len;
      if (buf.length < need) return;
      const mask = masked ? buf.subarray(off, off + 4) : undefined;
      const payload = Buffer.from(buf.subarray(off + (masked ? 4 : 0), need));
      if (mask) for (let i = 0; i < payload.length; i++) payload[i] = (payload[i] as number) ^ (mask[i % 4] as number);
      buf = buf.subarray(need);
      if (op === 0x8) {
        socket.end(Buffer.from([0x88, 0]));
        return;
      }
      if (op === 0x1) {
        const text = Buffer.from(`${name}: ${payload.toString("utf8")}`);
        const head = text.length < 126 ? Buffer.from([0x81, text.length]) : Buffer.from([0x81, 126, text.length >> 8, text.length & 0xff]);
        socket.write(Buffer.concat([head, text]));
      }
    }
  });
}

const cert = values["tls-cert"];
const key = values["tls-key"];
function serve(): { listen(port: number, host: string, cb: () => void): unknown; close(cb: () => void): unknown } {
  // node:http2's compatibility request/response carry what handle() reads and writes.
  if (values.h2c) return createH2c((req, res) => handle(req as unknown as IncomingMessage, res as unknown as ServerResponse));
  const server = cert && key ? createHttps({ cert: readFileSync(cert), key: readFileSync(key) }, handle) : createHttp(handle);
  server.on("upgrade", upgrade);
  return server;
}
const server = serve();
server.listen(port, "0.0.0.0", () => process.stdout.write(`listening ${name} ${port}\n`));
process.on("SIGTERM", () => server.close(() => process.exit(0)));

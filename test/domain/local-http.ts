// A plain HTTP server on 127.0.0.1 standing in for the user's web server (HTTP token path) and,
// in the ACME tests, for the Envoy data plane. Handlers can be swapped while it runs.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface LocalHttp {
  readonly port: number;
  /** Every request seen: `Host path`. */
  readonly requests: string[];
  handle(h: Handler): void;
  close(): Promise<void>;
}

export async function startLocalHttp(port = 0, initial?: Handler): Promise<LocalHttp> {
  let handler: Handler =
    initial ??
    ((_req, res) => {
      res.statusCode = 404;
      res.end("not found");
    });
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(`${req.headers.host ?? ""} ${req.url ?? ""}`);
    handler(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    handle(h) {
      handler = h;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

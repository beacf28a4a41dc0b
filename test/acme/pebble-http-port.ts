// test/infra/pebble.ts picks pebble's http-01 validation port itself and does not expose it;
// the port is in the config file named on pebble's command line, so read it from there.
import { readFileSync } from "node:fs";
import type { Pebble } from "../infra/pebble.ts";

export function pebbleHttpPort(pebble: Pebble): number {
  const argv = readFileSync(`/proc/${pebble.pid}/cmdline`, "utf8").split("\0");
  const config = argv[argv.indexOf("-config") + 1];
  if (config === undefined) throw new Error(`pebble ${pebble.pid}: no -config on its command line`);
  const parsed = JSON.parse(readFileSync(config, "utf8")) as { pebble?: { httpPort?: unknown } };
  const port = parsed.pebble?.httpPort;
  if (typeof port !== "number") throw new Error(`pebble config ${config} has no httpPort`);
  return port;
}

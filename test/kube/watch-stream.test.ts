// readWatchStream's NDJSON handling over hand-made byte streams (chunk boundaries, bookmarks,
// ERROR events, idle streams). The real server is exercised in client.integration.test.ts.
import { describe, expect, test } from "vitest";
import { KubeApiError, readWatchStream, TransportError, type WatchEvent } from "../../provider/kube/index.ts";

function streamOf(chunks: string[], opts: { hang?: boolean; failAfter?: boolean } = {}): { stream: ReadableStream<Uint8Array>; close(): void; closed: () => boolean } {
  let closed = false;
  const enc = new TextEncoder();
  let ctl: ReadableStreamDefaultController<Uint8Array>;
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      ctl = c;
      for (const ch of chunks) c.enqueue(enc.encode(ch));
      if (opts.failAfter) c.error(new Error("socket hang up"));
      else if (!opts.hang) c.close();
    },
  });
  return {
    stream,
    close: () => {
      closed = true;
      try {
        ctl.error(new DOMException("aborted", "AbortError"));
      } catch {
        /* already closed */
      }
    },
    closed: () => closed,
  };
}

const ev = (type: string, name: string, rv: string) => JSON.stringify({ type, object: { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "ns", resourceVersion: rv } } });
const subject = { apiVersion: "v1", kind: "ConfigMap", namespace: "ns" };

describe("readWatchStream", () => {
  test("events split across chunks, bookmark updates the resourceVersion, server close resumes from it", async () => {
    const text = `${ev("ADDED", "a", "10")}\n${ev("MODIFIED", "a", "11")}\n{"type":"BOOKMARK","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"resourceVersion":"15"}}}\n`;
    const chunks = [text.slice(0, 7), text.slice(7, 90), text.slice(90)];
    const events: WatchEvent[] = [];
    const s = streamOf(chunks);
    const end = await readWatchStream(s, "watch", subject, (e) => events.push(e), "9", 10_000);
    expect(events.map((e) => `${e.type}:${e.object.metadata.resourceVersion}`)).toEqual(["ADDED:10", "MODIFIED:11", "BOOKMARK:15"]);
    expect(end).toEqual({ reason: "closed", resourceVersion: "15" });
    expect(s.closed()).toBe(true);
  });

  test("a final line without newline still counts", async () => {
    const events: WatchEvent[] = [];
    const end = await readWatchStream(streamOf([ev("DELETED", "a", "20")]), "watch", subject, (e) => events.push(e), undefined, 10_000);
    expect(events).toHaveLength(1);
    expect(end.resourceVersion).toBe("20");
  });

  test("ERROR 410 ends as expired; other ERRORs throw the server's Status", async () => {
    const expired = JSON.stringify({ type: "ERROR", object: { kind: "Status", status: "Failure", message: "too old resource version: 5 (100)", reason: "Expired", code: 410 } });
    expect(await readWatchStream(streamOf([`${expired}\n`]), "watch", subject, () => undefined, "5", 10_000)).toEqual({ reason: "expired", resourceVersion: "5" });
    const forbidden = JSON.stringify({ type: "ERROR", object: { kind: "Status", status: "Failure", message: "no", reason: "Forbidden", code: 403 } });
    await expect(readWatchStream(streamOf([`${forbidden}\n`]), "watch", subject, () => undefined, "5", 10_000)).rejects.toBeInstanceOf(KubeApiError);
  });

  test("a broken or silent stream is a TransportError (the reflector reconnects)", async () => {
    const broken = readWatchStream(streamOf([`${ev("ADDED", "a", "1")}\n`], { failAfter: true }), "watch", subject, () => undefined, undefined, 10_000);
    await expect(broken).rejects.toThrow(/watch stream broke: socket hang up/);
    const silent = readWatchStream(streamOf([], { hang: true }), "watch", subject, () => undefined, undefined, 50);
    const err = await silent.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).message).toBe("watch ConfigMap in ns: watch stream silent for 50 ms");
  });

  test("garbage lines are errors, not silently skipped events", async () => {
    await expect(readWatchStream(streamOf(["not json\n"]), "watch", subject, () => undefined, undefined, 10_000)).rejects.toThrow(/malformed watch event/);
  });
});

import * as yaml from "js-yaml";

/**
 * Bounded parsing of manifest text (YAML, and JSON as its subset) into values that remember where
 * they came from. Aliases share their anchor's node in the parsed value, but every reader (the
 * guardrails, the YAML printer) walks it as a tree, so a 1 KB "alias bomb" is billions of nodes:
 * the expanded size and depth are counted from the event stream — before any value is built — and
 * refused past the limits below, as are aliases to a node that contains them (cycles).
 */

/** Largest accepted input: ≥ 2× the API server's 3 MiB request limit, for multi-document files. */
export const MAX_INPUT_BYTES = 8 * 1024 * 1024;
/** Nodes (mapping, sequence, scalar) a file may expand to, aliases counted at full size each time. */
export const MAX_EXPANDED_NODES = 1_000_000;
/** Nesting depth, aliases expanded (js-yaml's own default for the text as written). */
export const MAX_DEPTH = 100;

/** Where a node starts, and where its children start (mapping keys, sequence indices as strings). */
export interface SourcePos {
  line: number;
  children?: Map<string, SourcePos>;
}

export interface LocatedDocument {
  value: unknown;
  pos: SourcePos;
}

export type ParseResult = { ok: true; documents: LocatedDocument[] } | { ok: false; error: string };

/** 1-based line of each offset, by binary search over the line starts. */
function lineIndex(text: string): (offset: number) => number {
  const starts = [0];
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}

function startOf(e: yaml.Event): number {
  if (e.type === yaml.EVENT_ID.DOCUMENT || e.type === yaml.EVENT_ID.POP) return 0;
  if (e.type === yaml.EVENT_ID.ALIAS) return e.anchorStart;
  for (const o of [e.tagStart, e.anchorStart, e.type === yaml.EVENT_ID.SCALAR ? e.valueStart : e.start]) if (o >= 0) return o;
  return 0;
}

/** A node being read: its position, expanded size and depth so far, and (for mappings) the pending key. */
interface Frame {
  kind: "document" | "mapping" | "sequence";
  pos: SourcePos;
  size: number;
  depth: number;
  anchor?: string;
  /** Mapping: the key just read (its text and line), or undefined when a key comes next. */
  key?: { name: string; line: number };
  items: number;
}

interface Anchor {
  /** Undefined while the anchored node is still open: an alias to it then is a cycle. */
  size?: number;
  depth?: number;
  pos: SourcePos;
  line: number;
}

class LimitError extends Error {
  constructor(readonly line: number, message: string) {
    super(message);
  }
}

/**
 * Positions, expanded size and depth from the event stream, with the limits enforced. Throws a
 * LimitError (caught by parseSource) at the node that crosses a limit.
 */
function locate(text: string, events: readonly yaml.Event[]): SourcePos[] {
  const lineOf = lineIndex(text);
  const anchors = new Map<string, Anchor>();
  const stack: Frame[] = [];
  const documents: SourcePos[] = [];
  let total = 0;
  /** The text of the last scalar read: a mapping key when the next node is its value. */
  let keyText = "";

  const count = (n: number, line: number): void => {
    total += n;
    if (total > MAX_EXPANDED_NODES) {
      throw new LimitError(line, `the input expands to more than ${MAX_EXPANDED_NODES} nodes (YAML aliases repeat their anchor's whole content each time they are used); write the content out or use fewer aliases`);
    }
  };
  /** Attaches a finished child (size/depth already expanded) to the frame on top. */
  const attach = (pos: SourcePos, size: number, depth: number, line: number): void => {
    const parent = stack[stack.length - 1];
    if (!parent) return;
    if (parent.kind === "document") {
      documents.push(pos);
      return;
    }
    parent.size += size;
    parent.depth = Math.max(parent.depth, depth + 1);
    if (stack.length - 1 + depth > MAX_DEPTH) throw new LimitError(line, `nesting deeper than ${MAX_DEPTH} levels (aliases expanded)`);
    if (parent.kind === "sequence") {
      (parent.pos.children ??= new Map()).set(String(parent.items++), pos);
    } else if (parent.key === undefined) {
      // A mapping key: only scalar keys name a field; a complex key gets no position of its own.
      parent.key = { name: keyText, line };
    } else {
      (parent.pos.children ??= new Map()).set(parent.key.name, { ...pos, line: parent.key.line });
      parent.key = undefined;
    }
  };

  for (const e of events) {
    const line = lineOf(startOf(e));
    switch (e.type) {
      case yaml.EVENT_ID.DOCUMENT:
        anchors.clear();
        stack.push({ kind: "document", pos: { line }, size: 0, depth: 0, items: 0 });
        break;
      case yaml.EVENT_ID.MAPPING:
      case yaml.EVENT_ID.SEQUENCE: {
        count(1, line);
        const frame: Frame = { kind: e.type === yaml.EVENT_ID.MAPPING ? "mapping" : "sequence", pos: { line }, size: 1, depth: 1, items: 0 };
        if (e.anchorStart >= 0) {
          frame.anchor = text.slice(e.anchorStart, e.anchorEnd);
          anchors.set(frame.anchor, { pos: frame.pos, line });
        }
        keyText = "";
        stack.push(frame);
        break;
      }
      case yaml.EVENT_ID.SCALAR: {
        count(1, line);
        const pos: SourcePos = { line };
        if (e.anchorStart >= 0) anchors.set(text.slice(e.anchorStart, e.anchorEnd), { size: 1, depth: 1, pos, line });
        keyText = yaml.getScalarValue(text, e);
        attach(pos, 1, 1, line);
        break;
      }
      case yaml.EVENT_ID.ALIAS: {
        const name = text.slice(e.anchorStart, e.anchorEnd);
        const a = anchors.get(name);
        // An unknown alias is the parser's error to report (with its own message); nothing to count.
        if (!a) break;
        if (a.size === undefined || a.depth === undefined) {
          throw new LimitError(line, `alias *${name} refers to the node &${name} (line ${a.line}) that contains it; a manifest cannot be cyclic`);
        }
        count(a.size, line);
        keyText = "";
        attach({ line, ...(a.pos.children && { children: a.pos.children }) }, a.size, a.depth, line);
        break;
      }
      case yaml.EVENT_ID.POP: {
        const frame = stack.pop() as Frame;
        if (frame.kind === "document") break;
        if (frame.anchor !== undefined) {
          const a = anchors.get(frame.anchor);
          if (a && a.pos === frame.pos) Object.assign(a, { size: frame.size, depth: frame.depth });
        }
        keyText = "";
        attach(frame.pos, frame.size, frame.depth, frame.pos.line);
        break;
      }
    }
  }
  return documents;
}

/** Reads every document of `text`; errors name the file and line and never carry a stack trace. */
export function parseSource(text: string, file: string): ParseResult {
  const lineOf = lineIndex(text);
  if (text.length > MAX_INPUT_BYTES || Buffer.byteLength(text, "utf8") > MAX_INPUT_BYTES) {
    return { ok: false, error: `${file}:${lineOf(MAX_INPUT_BYTES)}: input is larger than ${MAX_INPUT_BYTES} bytes; split it into several files` };
  }
  const format = /^\s*[{[]/.test(text) ? "JSON" : "YAML";
  try {
    const events = yaml.parseEvents(text, { filename: file, maxDepth: MAX_DEPTH });
    const positions = locate(text, events);
    const values = yaml.constructFromEvents(events, { source: text, filename: file });
    return { ok: true, documents: values.map((value, i) => ({ value, pos: positions[i] ?? { line: 1 } })) };
  } catch (e) {
    if (e instanceof LimitError) return { ok: false, error: `${file}:${e.line}: ${e.message}` };
    if (e instanceof yaml.YAMLException) {
      const line = e.mark ? e.mark.line + 1 : 1;
      return { ok: false, error: `${file}:${line}: invalid ${format}: ${e.reason}` };
    }
    // js-yaml documents that anything may be thrown on hostile input; report it as a parse error.
    return { ok: false, error: `${file}:1: invalid ${format}: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/**
 * The line of the deepest node a Kubernetes field path (`spec.rules[0].backends[0].endpoint[host]`)
 * reaches: segments that are not nodes (URL parts, missing fields) stop at their parent's line.
 */
export function lineOfField(pos: SourcePos, field: string): number {
  let node = pos;
  for (const token of field.match(/[^.[\]]+|\[[^\]]*\]/g) ?? []) {
    const name = token.startsWith("[") ? token.slice(1, -1) : token;
    const next = node.children?.get(name);
    if (!next) break;
    node = next;
  }
  return node.line;
}

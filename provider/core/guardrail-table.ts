import { z } from "zod";
import { guardrailConfigSchema } from "./config";

/**
 * The README's table of configurable limits, generated from GuardrailConfig so the two cannot
 * drift (a test compares them). One row per leaf setting: dotted key, default, what it limits.
 */

interface JsonSchemaNode {
  type?: string | string[];
  properties?: Record<string, JsonSchemaNode>;
  default?: unknown;
  description?: string;
}

function rows(node: JsonSchemaNode, path: string[], out: string[][]): void {
  if (node.properties) {
    for (const [k, child] of Object.entries(node.properties)) rows(child, [...path, k], out);
    return;
  }
  out.push([`\`${path.join(".")}\``, `\`${JSON.stringify(node.default)}\``, node.description ?? ""]);
}

function table(header: string, out: string[][]): string {
  const lines = [header, "|---|---|---|", ...out.map((r) => `| ${r.map((c) => c.replace(/\|/g, "\\|")).join(" | ")} |`)];
  return `${lines.join("\n")}\n`;
}

export function guardrailTableMarkdown(): string {
  const schema = z.toJSONSchema(guardrailConfigSchema, { io: "input", unrepresentable: "any" }) as JsonSchemaNode;
  const out: string[][] = [];
  rows(schema, [], out);
  return table("| setting | default | limits |", out);
}

/** One row per top-level key of a settings schema (nested objects are not expanded). */
export function settingsTableMarkdown(schema: z.ZodType, skip: readonly string[] = []): string {
  const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchemaNode;
  const out: string[][] = [];
  for (const [k, node] of Object.entries(json.properties ?? {})) {
    if (skip.includes(k)) continue;
    out.push([`\`datum:${k}\``, node.default === undefined ? "–" : `\`${JSON.stringify(node.default)}\``, node.description ?? ""]);
  }
  return table("| config key | default | meaning |", out);
}

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

export function guardrailTableMarkdown(): string {
  const schema = z.toJSONSchema(guardrailConfigSchema, { io: "input", unrepresentable: "any" }) as JsonSchemaNode;
  const out: string[][] = [];
  rows(schema, [], out);
  const lines = ["| setting | default | limits |", "|---|---|---|", ...out.map((r) => `| ${r.map((c) => c.replace(/\|/g, "\\|")).join(" | ")} |`)];
  return `${lines.join("\n")}\n`;
}

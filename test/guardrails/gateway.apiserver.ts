import { request, type RequestOptions } from "node:https";
import type { ControlPlane } from "../infra/controlplane.ts";
import { DEFAULT_GUARDRAIL_CONFIG } from "../../provider/core/config";
import { guardrailsFor, type AdmissionContext } from "../../provider/core/validation/pipeline";
import { suppressesCel } from "../../provider/core/validation/schema";
import "../../provider/core/validate";
import { type Obj } from "../../provider/core/json";

/**
 * Differential check of the CRD layer against a real kube-apiserver: the same object goes through
 * our defaults/schema/CEL and through a server-side dry-run create; both error lists must agree
 * (field, type, message). Shared by the Gateway API integration tests.
 */

const REASON_TYPE: Record<string, string> = {
  FieldValueInvalid: "Invalid",
  FieldValueTypeInvalid: "Invalid",
  FieldValueRequired: "Required",
  FieldValueNotSupported: "NotSupported",
  FieldValueTooMany: "TooMany",
  FieldValueTooLong: "TooLong",
  FieldValueDuplicate: "Duplicate",
  FieldValueForbidden: "Forbidden",
};

const PLURAL: Record<string, string> = { Gateway: "gateways", HTTPRoute: "httproutes" };

/** `field | type | message` lines, sorted, for the CRD layer only (no webhooks). */
export function ourCrdErrors(obj: Obj): string[] {
  const g = guardrailsFor(String(obj["kind"]));
  if (!g) throw new Error(`no guardrails for ${String(obj["kind"])}`);
  const ctx: AdmissionContext = { config: DEFAULT_GUARDRAIL_CONFIG, operation: "CREATE", existing: [], namespace: "default" };
  const o = g.defaults ? g.defaults(obj) : obj;
  const schema = g.schema ? g.schema(o, ctx) : [];
  const cel = schema.some(suppressesCel) || !g.cel ? [] : g.cel(o, ctx);
  return [...schema, ...cel].map((e) => `${e.field} | ${e.type} | ${e.message}`).sort();
}

/** The API server's verdict on creating `obj` in `namespace` (dry run, no webhooks installed). */
export async function serverCrdErrors(cp: ControlPlane, namespace: string, obj: Obj): Promise<string[]> {
  const [group, version] = String(obj["apiVersion"]).split("/");
  const path = `/apis/${group}/${version}/namespaces/${namespace}/${PLURAL[String(obj["kind"])]}?dryRun=All&fieldValidation=Ignore`;
  const url = new URL(cp.server + path);
  const opts: RequestOptions = { hostname: url.hostname, port: url.port, path: url.pathname + url.search, method: "POST", headers: { "content-type": "application/json" } };
  await cp.kc.applyToHTTPSOptions(opts);
  const body = JSON.stringify({ ...obj, metadata: { ...(obj["metadata"] as Obj), namespace } });
  const { status, json } = await new Promise<{ status: number; json: { message?: string; details?: { causes?: { field?: string; reason: string; message: string }[] } } }>((resolve, reject) => {
    const req = request(opts, (res) => {
      let data = "";
      res.on("data", (c: Buffer) => (data += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(data) as never }));
    });
    req.on("error", reject);
    req.end(body);
  });
  if (status >= 200 && status < 300) return [];
  if (status !== 422) return [`<HTTP ${status}> ${json.message ?? ""}`];
  return (json.details?.causes ?? [])
    .filter((c) => !c.message.includes("some validation rules were not checked"))
    .map((c) => `${c.field ?? ""} | ${REASON_TYPE[c.reason] ?? c.reason} | ${c.message}`)
    .sort();
}

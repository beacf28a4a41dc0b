/**
 * What the dynamic provider runs inside Pulumi's provider host: the engine's lifecycles, built
 * from the settings each resource carries over the `datum:*` stack config. Loaded by path at
 * call time (see provider.ts); nothing here is ever serialized.
 */
import { containsUnknown, UNKNOWN } from "../../provider/core/unknown";
import type { EngineSettings } from "../../provider/lifecycle/settings";
import type { CheckFailure, OperationContext, ResourceLifecycle } from "../../provider/lifecycle/types";
import { CONFIG_KEYS, decodeConfig, diffConfig, settingsFrom, type DecodedConfig } from "../../provider/plugin/config";
import { loadEngineModule } from "../../provider/plugin/engine-module";
import { redactor } from "../../provider/plugin/redact";

type Props = Record<string, unknown>;

/** Inputs the dynamic classes carry next to `metadata` and `spec`. */
const SETTINGS = "settings";
const RESOURCE_NAME = "resourceName";
/** Added by the provider host to every inputs/outputs object; not ours to interpret. */
const PROVIDER_KEY = "__provider";

let stackConfig: Props = {};
const lifecycleCache = new Map<string, Map<string, ResourceLifecycle>>();

/** `datum:<key>` stack config: the defaults under every resource's `settings`. */
export function configure(config: { get(key: string): unknown }): void {
  const out: Props = {};
  for (const k of CONFIG_KEYS) {
    const v = config.get(`datum:${k}`);
    if (v !== undefined) out[k] = v;
  }
  stackConfig = out;
}

interface Split {
  inputs: Props;
  settings: unknown;
  resourceName: unknown;
}

function split(props: Props | undefined): Split {
  const { [SETTINGS]: settings, [RESOURCE_NAME]: resourceName, [PROVIDER_KEY]: _provider, ...inputs } = props ?? {};
  return { inputs, settings, resourceName };
}

function carry(values: Props, from: Split): Props {
  return { ...values, [SETTINGS]: from.settings, [RESOURCE_NAME]: from.resourceName };
}

function decodeSettings(settings: unknown): DecodedConfig {
  // The whole settings object may be unknown at preview (e.g. a kubeconfig from another resource).
  const own = settings === UNKNOWN ? Object.fromEntries(CONFIG_KEYS.map((k) => [k, UNKNOWN])) : typeof settings === "object" && settings !== null ? (settings as Props) : {};
  return decodeConfig({ ...stackConfig, ...own });
}

interface Target {
  lifecycle: ResourceLifecycle;
  redact: (text: string) => string;
}

type TargetOutcome = { ok: true; target: Target } | { ok: false; failures: CheckFailure[]; redact: (text: string) => string };

async function target(token: string, settings: unknown): Promise<TargetOutcome> {
  const decoded = decodeSettings(settings);
  const redact = redactor(decoded.secrets);
  const outcome = settingsFrom(decoded);
  if (!outcome.ok) {
    return { ok: false, redact, failures: outcome.failures.map((f) => ({ property: `${SETTINGS}.${f.property}`, reason: redact(f.reason) })) };
  }
  const lifecycle = (await lifecyclesFor(outcome.settings)).get(token);
  if (!lifecycle) throw new Error(`the datum engine has no lifecycle for ${token}`);
  return { ok: true, target: { lifecycle, redact } };
}

async function lifecyclesFor(settings: EngineSettings): Promise<Map<string, ResourceLifecycle>> {
  const key = JSON.stringify(settings);
  let m = lifecycleCache.get(key);
  if (!m) {
    m = (await (await loadEngineModule()).lifecycles(settings)).byToken;
    lifecycleCache.set(key, m);
  }
  return m;
}

async function requireTarget(token: string, settings: unknown): Promise<Target> {
  const t = await target(token, settings);
  if (!t.ok) throw new Error(`invalid datum settings:\n  ${t.failures.map((f) => f.reason).join("\n  ")}`);
  return t.target;
}

/** Dynamic providers cannot write to the engine's log; progress is not reported. */
function context(preview: boolean): OperationContext {
  return { preview };
}

/**
 * The provider host turns an error carrying `id`/`properties`/`reasons` into Pulumi's
 * init-failure, so the object created but not ready stays in state.
 */
function hostError(e: unknown, redact: (t: string) => string, from: Split): Error {
  const err = e instanceof Error ? e : new Error(String(e));
  const partial = err as Error & { id?: unknown; outputs?: unknown; reasons?: unknown };
  const out = new Error(redact(err.message));
  if (err.name === "PartialFailureError" && typeof partial.id === "string") {
    const properties = carry((partial.outputs as Props | undefined) ?? {}, from);
    const reasons = Array.isArray(partial.reasons) ? partial.reasons.map((r) => redact(String(r))) : [];
    return Object.assign(out, { id: partial.id, properties, reasons });
  }
  return out;
}

function isEmpty(p: Props): boolean {
  return Object.keys(p).length === 0;
}

export async function check(token: string, olds: Props, news: Props): Promise<{ inputs: Props; failures: CheckFailure[] }> {
  const n = split(news);
  const o = split(olds);
  const t = await target(token, n.settings);
  if (!t.ok) return { inputs: news, failures: t.failures };
  const name = typeof n.resourceName === "string" ? n.resourceName : "resource";
  const r = await t.target.lifecycle.check(isEmpty(o.inputs) ? undefined : o.inputs, n.inputs, { urnName: name });
  return {
    inputs: carry(r.inputs, n),
    failures: r.failures.map((f) => ({ property: f.property, reason: t.target.redact(f.reason) })),
  };
}

export async function diff(token: string, id: string, olds: Props, news: Props): Promise<{ changes: boolean; replaces: string[]; deleteBeforeReplace: boolean }> {
  const o = split(olds);
  const n = split(news);
  const t = await requireTarget(token, containsUnknown(n.settings) ? o.settings : n.settings);
  const settingsDiff = diffConfig(decodeSettings(o.settings), decodeSettings(n.settings));
  const d = await t.lifecycle.diff(id, o.inputs, n.inputs, context(true));
  // Another cluster (or default namespace) means new objects there: replace, as the native provider does.
  const replaces = settingsDiff.replaces.length > 0 ? [...d.replaces, SETTINGS] : d.replaces;
  return { changes: d.changes || settingsDiff.changed.length > 0, replaces, deleteBeforeReplace: d.deleteBeforeReplace };
}

export async function create(token: string, inputs: Props): Promise<{ id: string; outs: Props }> {
  const s = split(inputs);
  const t = await requireTarget(token, s.settings);
  try {
    const r = await t.lifecycle.create(s.inputs, context(false));
    return { id: r.id, outs: carry(r.outputs, s) };
  } catch (e) {
    throw hostError(e, t.redact, s);
  }
}

export async function read(token: string, id: string, props: Props | undefined): Promise<{ id: string; props: Props; inputs?: Props }> {
  const s = split(props);
  const t = await requireTarget(token, s.settings);
  try {
    const r = await t.lifecycle.read(id, isEmpty(s.inputs) ? undefined : s.inputs, undefined, context(false));
    // An empty id tells the engine the object is gone.
    if (!r) return { id: "", props: {} };
    return { id: r.id, props: carry(r.outputs, s), inputs: carry(r.inputs, s) };
  } catch (e) {
    throw hostError(e, t.redact, s);
  }
}

export async function update(token: string, id: string, olds: Props, news: Props): Promise<{ outs: Props }> {
  const o = split(olds);
  const n = split(news);
  const t = await requireTarget(token, n.settings);
  try {
    const r = await t.lifecycle.update(id, o.inputs, n.inputs, context(false));
    return { outs: carry(r.outputs, n) };
  } catch (e) {
    throw hostError(e, t.redact, n);
  }
}

/** Deletes with the settings in state: the cluster the object was created on. */
export async function remove(token: string, id: string, props: Props): Promise<void> {
  const s = split(props);
  const t = await requireTarget(token, s.settings);
  try {
    await t.lifecycle.delete(id, s.inputs, context(false));
  } catch (e) {
    throw hostError(e, t.redact, s);
  }
}

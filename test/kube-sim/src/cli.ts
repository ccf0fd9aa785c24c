import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { loadCrdsFromDir } from "./load-crds.js";
import { parseRbacFlags, RBAC_USAGE } from "./rbac/cli-options.js";
import { startKubeSim } from "./start-kube-sim.js";

const USAGE = `Usage: kube-sim [options]

  --port N              port to listen on (default 0: pick a free port)
  --host ADDR           listen address (default 127.0.0.1)
  --kubeconfig PATH     kubeconfig to write (default ./kubeconfig.sim.yaml)
  --crds DIR            serve the CRDs in DIR/*.yaml (default: the repo's deploy/crds, if present)
  --namespace NS        namespace to create (repeatable; default "default")
  --time-scale X        real time per Kubernetes second factor, e.g. 0.01 (default 1)
  --watch-timeout-ms N  server-side watch close (default 30000)
  --history-size N      watch event window per resource (default 1000)
  --seed N              seed for names, uids and faults
${RBAC_USAGE}
  --help                show this help`;

const DEFAULT_CRDS = fileURLToPath(new URL("../../../deploy/crds", import.meta.url));

function fail(message: string): never {
  process.stderr.write(`kube-sim: ${message}\n\n${USAGE}\n`);
  process.exit(2);
}

function numberFlag(
  name: string,
  raw: string | undefined,
  check: (n: number) => boolean,
  expected: string,
): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(n) || !check(n))
    fail(`--${name} must be ${expected}, got "${raw}"`);
  return n;
}

async function main(): Promise<void> {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof options }>>;
  const options = {
    port: { type: "string" },
    host: { type: "string" },
    kubeconfig: { type: "string" },
    crds: { type: "string" },
    namespace: { type: "string", multiple: true },
    "time-scale": { type: "string" },
    "watch-timeout-ms": { type: "string" },
    "history-size": { type: "string" },
    seed: { type: "string" },
    rbac: { type: "boolean" },
    "rbac-manifests": { type: "string", multiple: true },
    "sa-kubeconfig": { type: "string", multiple: true },
    help: { type: "boolean" },
  } as const;
  try {
    parsed = parseArgs({ options, strict: true, allowPositionals: false });
  } catch (err) {
    // parseArgs names the offending flag ("Unknown option '--x'", "Option '--port <value>' argument missing").
    fail(err instanceof Error ? err.message : String(err));
  }
  const v = parsed.values;
  if (v.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const port = numberFlag(
    "port",
    v.port,
    (n) => Number.isInteger(n) && n >= 0 && n <= 65535,
    "an integer 0-65535",
  );
  const timeScale = numberFlag("time-scale", v["time-scale"], (n) => n > 0, "a positive number");
  const watchTimeoutMs = numberFlag(
    "watch-timeout-ms",
    v["watch-timeout-ms"],
    (n) => Number.isInteger(n) && n > 0,
    "a positive integer",
  );
  const historySize = numberFlag(
    "history-size",
    v["history-size"],
    (n) => Number.isInteger(n) && n > 0,
    "a positive integer",
  );
  const seed = numberFlag("seed", v.seed, Number.isInteger, "an integer");
  let crdDir = DEFAULT_CRDS;
  if (v.crds !== undefined) {
    crdDir = resolve(v.crds);
    if (!existsSync(crdDir)) fail(`--crds directory does not exist: ${crdDir}`);
  }
  const crds = await loadCrdsFromDir(crdDir);
  const rbac = parseRbacFlags(v);
  if (typeof rbac === "string") fail(rbac);
  const kubeconfigPath = resolve(v.kubeconfig ?? "kubeconfig.sim.yaml");

  const sim = await startKubeSim({
    ...(port !== undefined ? { port } : {}),
    ...(v.host !== undefined ? { host: v.host } : {}),
    ...(v.namespace ? { namespaces: v.namespace } : {}),
    ...(timeScale !== undefined ? { timeScale } : {}),
    ...(watchTimeoutMs !== undefined ? { watchTimeoutMs } : {}),
    ...(historySize !== undefined ? { historySize } : {}),
    ...(seed !== undefined ? { seed } : {}),
    crds,
    ...(rbac.rbac ? { rbac: true, rbacManifests: rbac.manifests } : {}),
  });
  await sim.writeKubeconfig(kubeconfigPath);
  for (const { serviceAccount, path } of rbac.saKubeconfigs) {
    await sim.writeKubeconfig(path, { serviceAccount }).catch(async (err: unknown) => {
      await sim.stop();
      fail(`--sa-kubeconfig: ${err instanceof Error ? err.message : String(err)}`);
    });
    process.stdout.write(`kubeconfig for ${serviceAccount.namespace}/${serviceAccount.name}: ${path}\n`);
  }
  process.stdout.write(
    `kube-sim listening on ${sim.url}\nkubeconfig: ${kubeconfigPath}\n` +
      `crds: ${crds.length} from ${crdDir}\nadmin: ${sim.url}/_sim/requests, ${sim.url}/_sim/faults\n`,
  );
  const shutdown = (signal: string) => {
    process.stdout.write(`kube-sim: ${signal}, stopping\n`);
    void sim.stop().then(() => process.exit(0));
  };
  process.once("SIGINT", () => shutdown("SIGINT"));
  process.once("SIGTERM", () => shutdown("SIGTERM"));
}

main().catch((err: unknown) => {
  process.stderr.write(`kube-sim: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

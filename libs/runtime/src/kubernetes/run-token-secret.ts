import type { V1Job, V1Secret } from "@kubernetes/client-node";
import type { RunRecord } from "@orchestrator/contracts";
import {
  ANNOTATIONS,
  apiStatus,
  appTokenRepositories,
  belongsToRun,
  jobOwnerReference,
  type RunObjectNames,
  runLabels,
  runTokenSecretName,
} from "@orchestrator/kube";
import { PermanentDispatchError } from "../permanent-dispatch-error.js";
import { type MintedRunToken, mintRunToken, type RunTokenMinter } from "../run-token.js";
import type { KubeObjectContext } from "./kube-objects.js";

/** GitHub App mode for one run: the Secret its pod mounts and the repositories the token covers. */
export interface RunTokenPlan {
  secretName: string;
  repositories: string[];
}

/**
 * The run's token plan when a GitHub App is configured and one installation token can serve every
 * repository the run clones; undefined otherwise (the pod mounts the user's `github-pat-<user>`).
 */
export function runTokenPlan(
  run: Pick<RunRecord, "request">,
  names: Pick<RunObjectNames, "job">,
  minter: RunTokenMinter | undefined,
): RunTokenPlan | undefined {
  if (!minter) return undefined;
  const repositories = appTokenRepositories(run.request, minter.gitHost);
  return repositories ? { secretName: runTokenSecretName(names), repositories } : undefined;
}

async function readSecret(
  ctx: KubeObjectContext,
  name: string,
  namespace: string,
): Promise<V1Secret | undefined> {
  try {
    return await ctx.call("get", () => ctx.clients.core.readNamespacedSecret({ name, namespace }));
  } catch (err) {
    if (apiStatus(err) === 404) return undefined;
    throw ctx.classify(err, `reading Secret ${name}`);
  }
}

/**
 * Before the Job is created: mints the run's token, unless an earlier attempt of this dispatch already
 * stored it (then undefined). Minting first means a run the App cannot serve fails before any Job exists.
 */
export async function prepareRunToken(
  ctx: KubeObjectContext,
  run: Pick<RunRecord, "id">,
  plan: RunTokenPlan,
  namespace: string,
  minter: RunTokenMinter,
): Promise<MintedRunToken | undefined> {
  const existing = await readSecret(ctx, plan.secretName, namespace);
  if (existing && belongsToRun(existing.metadata?.labels, run.id)) return undefined;
  // refused before the Job exists: its pod would mount that Secret, someone else's token
  if (existing) throw foreignSecret(plan, run);
  return mintRunToken(minter, plan.repositories);
}

function foreignSecret(plan: RunTokenPlan, run: Pick<RunRecord, "id">): PermanentDispatchError {
  return new PermanentDispatchError(
    "conflict",
    `Secret ${plan.secretName} already exists in the cluster and does not belong to run ${run.id}; delete it or pick another namespace`,
  );
}

function buildRunTokenSecret(
  run: Pick<RunRecord, "id" | "request">,
  plan: RunTokenPlan,
  namespace: string,
  job: V1Job,
  minted: MintedRunToken,
): V1Secret {
  return {
    apiVersion: "v1",
    kind: "Secret",
    type: "Opaque",
    metadata: {
      name: plan.secretName,
      namespace,
      labels: runLabels(run),
      annotations: {
        [ANNOTATIONS.runId]: run.id,
        [ANNOTATIONS.tokenExpiresAt]: minted.expiresAt,
        [ANNOTATIONS.tokenRepositories]: plan.repositories.join(" "),
      },
      // the Job owns it: Kubernetes' garbage collector deletes it with the Job, and a Secret created
      // for a Job deleted in between is collected at once
      ownerReferences: [jobOwnerReference(job)],
    },
    data: { token: Buffer.from(minted.token).toString("base64") },
  };
}

/**
 * After the Job exists: the Secret with the run's token, owned by the Job (its pod waits in
 * ContainerCreating until the Secret is there). Created only after the Job, so a crash in between
 * leaves no Secret without an owner; a repeated dispatch finds it (409 or the GET) and keeps it. A
 * Secret of this run owned by an earlier Job of the same name is left to the garbage collector and the
 * dispatch is retried (no update grant needed).
 */
export async function ensureRunTokenSecret(
  ctx: KubeObjectContext,
  run: Pick<RunRecord, "id" | "request">,
  plan: RunTokenPlan,
  namespace: string,
  job: V1Job,
  minter: RunTokenMinter,
  minted: MintedRunToken | undefined,
): Promise<void> {
  const owner = jobOwnerReference(job);
  const check = (secret: V1Secret): void => {
    if (!belongsToRun(secret.metadata?.labels, run.id)) throw foreignSecret(plan, run);
    if (!secret.metadata?.ownerReferences?.some((r) => r.uid === owner.uid)) {
      throw new Error(
        `Secret ${plan.secretName} belongs to an earlier Job of run ${run.id}; waiting for the garbage collector to remove it`,
      );
    }
  };
  if (!minted) {
    const existing = await readSecret(ctx, plan.secretName, namespace);
    if (existing) return check(existing);
    minted = await mintRunToken(minter, plan.repositories);
  }
  const body = buildRunTokenSecret(run, plan, namespace, job, minted);
  try {
    await ctx.call("create", () => ctx.clients.core.createNamespacedSecret({ namespace, body }));
    ctx.log.info(
      {
        runId: run.id,
        secret: plan.secretName,
        repositories: plan.repositories,
        expiresAt: minted.expiresAt,
      },
      "handed the run its GitHub App token",
    );
  } catch (err) {
    if (apiStatus(err) !== 409) throw ctx.classify(err, `creating Secret ${plan.secretName}`);
    const existing = await readSecret(ctx, plan.secretName, namespace);
    if (!existing) throw new Error(`Secret ${plan.secretName} vanished after a conflict; trying again`);
    check(existing);
  }
}

/** Installation tokens live one hour; a run's token is replaced once less than this is left. */
export const RUN_TOKEN_REFRESH_BEFORE_MS = 20 * 60_000;

/**
 * Long runs: replaces the token in the run's Secret with a fresh one once it has less than
 * `refreshBeforeMs` left (the kubelet updates the mounted file; the askpass helper reads it at every
 * git call). A Secret not there (yet, or any more) or changed meanwhile (409) is left to the next pass.
 * Returns whether it refreshed.
 */
export async function refreshRunTokenSecret(
  ctx: KubeObjectContext,
  run: Pick<RunRecord, "id">,
  plan: RunTokenPlan,
  namespace: string,
  minter: RunTokenMinter,
  options: { now: number; refreshBeforeMs: number },
): Promise<boolean> {
  const secret = await readSecret(ctx, plan.secretName, namespace);
  if (!secret || !belongsToRun(secret.metadata?.labels, run.id)) return false;
  const expiresAt = Date.parse(secret.metadata?.annotations?.[ANNOTATIONS.tokenExpiresAt] ?? "");
  if (expiresAt - options.now > options.refreshBeforeMs) return false;
  const minted = await mintRunToken(minter, plan.repositories);
  const body: V1Secret = {
    ...secret,
    metadata: {
      ...secret.metadata,
      annotations: { ...secret.metadata?.annotations, [ANNOTATIONS.tokenExpiresAt]: minted.expiresAt },
    },
    data: { ...secret.data, token: Buffer.from(minted.token).toString("base64") },
  };
  try {
    await ctx.call("replace", () =>
      ctx.clients.core.replaceNamespacedSecret({ name: plan.secretName, namespace, body }),
    );
  } catch (err) {
    if (apiStatus(err) === 404 || apiStatus(err) === 409) return false;
    throw err;
  }
  ctx.log.info(
    { runId: run.id, secret: plan.secretName, expiresAt: minted.expiresAt },
    "refreshed the run's GitHub App token",
  );
  return true;
}

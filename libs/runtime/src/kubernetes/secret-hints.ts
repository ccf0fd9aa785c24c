import type { RunRecord } from "@orchestrator/contracts";
import { apiStatus, gitCredentialsFor } from "@orchestrator/kube";
import { PermanentDispatchError } from "../permanent-dispatch-error.js";
import type { KubeObjectContext } from "./kube-objects.js";

/** A secret a run needs, the key it must hold, and how an operator creates it. */
export interface RequiredSecret {
  name: string;
  key: string;
  /** why the run needs it and the kubectl command that creates it */
  hint: string;
}

/**
 * Every secret a run's pod strictly needs: the GitHub credentials of every repository it clones (the
 * SSH key for `git@`/`ssh://` URLs, the token for `https://` ones — for a code run both its repository
 * and the docs repository), the Anthropic key, and the request's envFromSecrets. A pod referencing a
 * missing secret would sit in CreateContainerConfigError until its deadline, and a missing optional
 * credential would fail the clone, so the dispatcher checks them up front. With `appToken` (GitHub App
 * mode) the run gets its own token Secret instead of the user's `github-pat-<user>`, so that one is not
 * needed.
 */
export function requiredSecrets(
  run: Pick<RunRecord, "request">,
  namespace: string,
  anthropic: { name: string; key: string },
  options: { appToken?: boolean } = {},
): RequiredSecret[] {
  const request = run.request;
  const git = gitCredentialsFor(request);
  const create = `kubectl -n ${namespace} create secret generic`;
  const secrets: RequiredSecret[] = [];
  if (git.ssh) {
    secrets.push({
      name: git.ssh.secretName,
      key: git.ssh.key,
      hint:
        `the run clones ${git.ssh.urls.join(" and ")} over SSH as GitHub user ${request.githubUser}. Create it with: ` +
        `${create} ${git.ssh.secretName} --from-file=ssh-privatekey=<path to the private key> --from-file=ssh-publickey=<path to the public key>`,
    });
  }
  if (git.token.required && !options.appToken) {
    secrets.push({
      name: git.token.secretName,
      key: git.token.key,
      hint:
        `the run clones ${git.token.urls.join(" and ")} over HTTPS as GitHub user ${request.githubUser}. Create it with: ` +
        `${create} ${git.token.secretName} --from-literal=token=<GitHub personal access token>`,
    });
  }
  secrets.push({
    name: anthropic.name,
    key: anthropic.key,
    hint:
      `it holds the agent's Anthropic API key (ANTHROPIC_SECRET_NAME/ANTHROPIC_SECRET_KEY). Create it with: ` +
      `${create} ${anthropic.name} --from-literal=${anthropic.key}=<Anthropic API key>`,
  });
  if (request.kind === "code") {
    for (const ref of request.envFromSecrets) {
      secrets.push({
        name: ref.secretName,
        key: ref.secretKey,
        hint: `the run's envFromSecrets sets ${ref.name} from it. Create it with: ${create} ${ref.secretName} --from-literal=${ref.secretKey}=<value>`,
      });
    }
  }
  return secrets;
}

/** Fails the run naming every secret it needs that is missing or lacks its key, with how to create it. */
export async function checkRunSecrets(
  ctx: KubeObjectContext,
  required: RequiredSecret[],
  namespace: string,
): Promise<void> {
  const problems: string[] = [];
  let cause: unknown;
  let missing = 0;
  for (const secret of required) {
    let data: Record<string, string>;
    try {
      const found = await ctx.call("get", () =>
        ctx.clients.core.readNamespacedSecret({ name: secret.name, namespace }),
      );
      data = { ...found.data, ...found.stringData };
    } catch (err) {
      if (apiStatus(err) !== 404) throw ctx.classify(err, `reading secret ${secret.name}`);
      cause ??= err;
      missing++;
      problems.push(`secret "${secret.name}" does not exist in namespace "${namespace}": ${secret.hint}`);
      continue;
    }
    if (!data[secret.key]) {
      problems.push(
        `secret "${secret.name}" in namespace "${namespace}" has no key "${secret.key}": ${secret.hint}`,
      );
    }
  }
  if (problems.length === 0) return;
  let message =
    problems.length === 1
      ? (problems[0] as string)
      : `${problems.length} secrets the run needs are missing: ${problems.map((p, i) => `(${i + 1}) ${p}`).join("; ")}`;
  if (missing === required.length)
    message += ` (if namespace "${namespace}" does not exist: kubectl create namespace ${namespace}, or set KUBERNETES_NAMESPACE)`;
  throw new PermanentDispatchError("missing-secret", message, cause === undefined ? undefined : { cause });
}

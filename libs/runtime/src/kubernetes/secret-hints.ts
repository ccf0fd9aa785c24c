import type { RunRecord } from "@orchestrator/contracts";
import { gitAuthFor } from "@orchestrator/kube";

/** A secret a run needs, the key it must hold, and how an operator creates it. */
export interface RequiredSecret {
  name: string;
  key: string;
  /** why the run needs it and the kubectl command that creates it */
  hint: string;
}

/**
 * Every secret a run's pod references: the GitHub credential chosen by the repository URL, the
 * Anthropic key, and the request's envFromSecrets. A pod referencing a missing secret would sit in
 * CreateContainerConfigError until its deadline, so the dispatcher checks them up front.
 */
export function requiredSecrets(
  run: Pick<RunRecord, "request">,
  namespace: string,
  anthropic: { name: string; key: string },
): RequiredSecret[] {
  const request = run.request;
  const auth = gitAuthFor(request);
  const create = `kubectl -n ${namespace} create secret generic`;
  const secrets: RequiredSecret[] = [
    auth.kind === "ssh"
      ? {
          name: auth.secretName,
          key: auth.key,
          hint:
            `the run clones ${request.repositoryUrl} over SSH as GitHub user ${request.githubUser}. Create it with: ` +
            `${create} ${auth.secretName} --from-file=ssh-privatekey=<path to the private key> --from-file=ssh-publickey=<path to the public key>`,
        }
      : {
          name: auth.secretName,
          key: auth.key,
          hint:
            `the run clones ${request.repositoryUrl} over HTTPS as GitHub user ${request.githubUser}. Create it with: ` +
            `${create} ${auth.secretName} --from-literal=token=<GitHub personal access token>`,
        },
    {
      name: anthropic.name,
      key: anthropic.key,
      hint:
        `it holds the agent's Anthropic API key (ANTHROPIC_SECRET_NAME/ANTHROPIC_SECRET_KEY). Create it with: ` +
        `${create} ${anthropic.name} --from-literal=${anthropic.key}=<Anthropic API key>`,
    },
  ];
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

import type { RunRecord } from "@orchestrator/contracts";
import { PermanentDispatchError } from "./permanent-dispatch-error.js";

/**
 * Who a service's persistent workspace (PVC `workspace-<service>`, or `<dataDir>/workspaces/<service>`)
 * belongs to: the GitHub user whose runs created (or first used) it. A workspace keeps clones, `.git/config`
 * and the agent's session between runs, and an agent has a shell: whatever one run leaves there is read by
 * the next. Only runs of the same user, whose token those runs hold anyway, may share it. The repository is
 * not part of the owner: a second repository of the same user gains nothing its token does not already give.
 */
export interface WorkspaceOwner {
  /** GitHub login in lower case (logins are case-insensitive) */
  githubUser: string;
}

export function workspaceOwnerOf(run: Pick<RunRecord, "request">): WorkspaceOwner {
  return { githubUser: run.request.githubUser.toLowerCase() };
}

/**
 * Fails the dispatch, for good, when the workspace is recorded as another user's. `recorded` is the user
 * read from the workspace's owner record; callers adopt a workspace without one before calling this.
 */
export function requireWorkspaceOwner(
  workspace: string,
  recorded: string,
  run: Pick<RunRecord, "id" | "request">,
): void {
  const owner = workspaceOwnerOf(run);
  if (recorded.toLowerCase() === owner.githubUser) return;
  throw new PermanentDispatchError(
    "workspace-owned",
    `${workspace} belongs to ${recorded}'s runs; use another service (run ${run.id} is ${run.request.githubUser}'s, ` +
      "and a workspace keeps one user's clones and agent state)",
  );
}

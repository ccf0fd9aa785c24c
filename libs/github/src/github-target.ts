/** The repository (`owner/name`) a call is for, and the App installation if the webhook named one. */
export interface GithubTarget {
  repository: string;
  installationId?: number | undefined;
}

/** `owner/name` split for octokit routes. */
export function ownerRepo(repository: string): { owner: string; repo: string } {
  const [owner, repo, ...rest] = repository.split("/");
  if (!owner || !repo || rest.length > 0) throw new Error(`not an owner/name repository: ${repository}`);
  return { owner, repo };
}

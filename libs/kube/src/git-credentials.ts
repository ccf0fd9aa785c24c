import { authKindFor, authSecretName, type RunRecord } from "@orchestrator/contracts";

type GitRequest = Pick<RunRecord["request"], "kind" | "repositoryUrl" | "githubUser"> & {
  docsRepositoryUrl?: string | undefined;
};

/** A GitHub credential secret of a run's pod. */
export interface GitCredential {
  kind: "ssh" | "https";
  secretName: string;
  /** key the secret must hold */
  key: "ssh-privatekey" | "token";
  /** repository URLs the run clones with it ([] for a token only `gh` uses) */
  urls: string[];
  /** the run cannot clone without it; the token of an SSH-only run is mounted optional (for `gh`) */
  required: boolean;
}

/**
 * Repositories a run clones: docs runs their repository; code runs also the docs repository, which the
 * agent authenticates to separately (container.sh sets up git auth for each URL).
 */
export function gitRepositoryUrls(request: GitRequest): string[] {
  const urls = [request.repositoryUrl];
  if (request.kind === "code" && request.docsRepositoryUrl) urls.push(request.docsRepositoryUrl);
  return [...new Set(urls)];
}

/** Secret holding a GitHub user's token (key `token`), as `authSecretName` names it for https URLs. */
export function githubTokenSecretName(githubUser: string): string {
  return authSecretName("https://github.com/-/-", githubUser);
}

/** Secret holding a GitHub user's SSH key (key `ssh-privatekey`), as `authSecretName` names it for ssh URLs. */
export function githubSshSecretName(githubUser: string): string {
  return authSecretName("git@github.com:-/-.git", githubUser);
}

/**
 * The GitHub credentials a run's pod mounts, from every URL it clones: the SSH key when any of them is
 * `git@`/`ssh://` (absent otherwise), and the token always — required when any URL is `https://`,
 * optional otherwise, since `gh` uses it to open the pull request.
 */
export function gitCredentialsFor(request: GitRequest): { ssh?: GitCredential; token: GitCredential } {
  const urls = gitRepositoryUrls(request);
  const sshUrls = urls.filter((u) => authKindFor(u) === "ssh");
  const httpsUrls = urls.filter((u) => authKindFor(u) === "https");
  const token: GitCredential = {
    kind: "https",
    secretName: githubTokenSecretName(request.githubUser),
    key: "token",
    urls: httpsUrls,
    required: httpsUrls.length > 0,
  };
  if (sshUrls.length === 0) return { token };
  return {
    ssh: {
      kind: "ssh",
      secretName: githubSshSecretName(request.githubUser),
      key: "ssh-privatekey",
      urls: sshUrls,
      required: true,
    },
    token,
  };
}

const URL_PARTS =
  /^(?:git@([^:/]+):|ssh:\/\/git@([^:/]+)(?::\d+)?\/|https:\/\/([^:/]+)(?::\d+)?\/)([^/]+)\/(.+?)(?:\.git)?$/;

/**
 * GitHub App mode: the repositories (`owner/name`) one installation token of the run must cover —
 * every repository it clones — or undefined when one token cannot serve the run (a repository on
 * another host than the App's, or repositories of several owners); such a run uses the per-user
 * secrets as before.
 */
export function appTokenRepositories(request: GitRequest, gitHost: string): string[] | undefined {
  const repositories: string[] = [];
  const owners = new Set<string>();
  for (const url of gitRepositoryUrls(request)) {
    const m = URL_PARTS.exec(url);
    const host = (m?.[1] ?? m?.[2] ?? m?.[3] ?? "").toLowerCase();
    if (!m || host !== gitHost.toLowerCase()) return undefined;
    owners.add((m[4] as string).toLowerCase());
    repositories.push(`${m[4]}/${m[5]}`);
  }
  return owners.size === 1 ? [...new Set(repositories)] : undefined;
}

export interface FakeComment {
  id: number;
  repository: string;
  issue: number;
  body: string;
  created_at: string;
  updated_at: string;
}

/** A pull request as `GET /repos/{owner}/{repo}/pulls/{n}` answers it (the fields we read). */
export interface FakePull {
  number: number;
  head: { ref: string; sha: string; repo: { full_name: string } | null };
  base: { ref: string };
}

/** An open or closed issue (or pull request) with the labels applied to it, for the issue list and events. */
export interface FakeIssue {
  repository: string;
  number: number;
  title: string;
  body?: string;
  state?: "open" | "closed";
  pullRequest?: boolean;
  /** labels in the order applied, with when and by whom (the `labeled` issue events) */
  labels: { name: string; at: string; by: string }[];
}

/** A check run as GitHub answers it (the fields we send and read). */
export interface FakeCheckRun {
  id: number;
  repository: string;
  name: string;
  head_sha: string;
  external_id?: string;
  status: string;
  conclusion?: string | null;
  details_url?: string;
  output?: { title?: string; summary?: string };
  actions?: { label: string; identifier: string; description: string }[];
  /** every status it went through, in order */
  history: string[];
}

/** A webhook delivery as `GET /app/hook/deliveries` lists it. */
export interface FakeDelivery {
  id: number;
  guid: string;
  delivered_at: string;
  redelivery: boolean;
  status: string;
  status_code: number;
  event: string;
  action: string | null;
}

export interface FakeState {
  /** the App's webhook deliveries, newest first; `redeliveries` records each POST …/attempts */
  deliveries: FakeDelivery[];
  redeliveries: number[];
  /** where deliveries (and redeliveries) are sent; unset: redeliveries are only recorded */
  hook: { url: string; secret: string; hookId?: string } | undefined;
  checkRuns: Map<number, FakeCheckRun>;
  comments: Map<number, FakeComment>;
  /** `owner/name#number` → pull request */
  pulls: Map<string, FakePull>;
  /** `owner/name#number` → issue or pull request (GET …/issues, …/issues/{n}/events) */
  issues: Map<string, FakeIssue>;
  /** repository (lower case) → installation id; repositories not listed answer 4242 */
  installations: Map<string, number | null>;
  /** the installation token the App endpoints issue */
  installationToken: string;
  /** lifetime of the installation tokens it mints (GitHub: one hour), ms */
  tokenLifetimeMs: number;
  /** scoped (per-run) tokens minted so far; each is `<installationToken>_run<n>` */
  scopedMints: number;
  /** how long a token mint takes (to make concurrent misses overlap) */
  mintDelayMs: number;
}

type Answer = [number, unknown];
export interface FakeRoute {
  method: string;
  path: RegExp;
  handle(m: RegExpExecArray, body: unknown, query: URLSearchParams): Answer | Promise<Answer>;
}

const REPO = "([^/]+/[^/]+)";

export function fakeRoutes(state: FakeState, redeliver: (id: number) => Promise<unknown>): FakeRoute[] {
  let nextId = 1000;
  const now = () => new Date().toISOString();
  return [
    {
      method: "POST",
      path: new RegExp(`^/repos/${REPO}/issues/(\\d+)/comments$`),
      handle(m, body) {
        const at = now();
        const comment: FakeComment = {
          id: nextId++,
          repository: m[1]!,
          issue: Number(m[2]),
          body: (body as { body: string }).body,
          created_at: at,
          updated_at: at,
        };
        state.comments.set(comment.id, comment);
        return [201, comment];
      },
    },
    {
      method: "GET",
      path: new RegExp(`^/repos/${REPO}/issues/(\\d+)/comments$`),
      handle(m, _body, query) {
        const since = query.get("since");
        const list = [...state.comments.values()].filter(
          (c) => c.repository === m[1] && c.issue === Number(m[2]) && (!since || c.updated_at >= since),
        );
        return [200, list];
      },
    },
    {
      method: "PATCH",
      path: new RegExp(`^/repos/${REPO}/issues/comments/(\\d+)$`),
      handle(m, body) {
        const comment = state.comments.get(Number(m[2]));
        if (!comment) return [404, { message: "Not Found" }];
        comment.body = (body as { body: string }).body;
        comment.updated_at = now();
        return [200, comment];
      },
    },
    {
      method: "GET",
      path: new RegExp(`^/repos/${REPO}$`),
      handle(m) {
        const fullName = m[1]!;
        return [
          200,
          {
            id: 1296269,
            name: fullName.split("/")[1],
            full_name: fullName,
            html_url: `https://github.com/${fullName}`,
            clone_url: `https://github.com/${fullName}.git`,
            ssh_url: `git@github.com:${fullName}.git`,
            default_branch: "main",
          },
        ];
      },
    },
    {
      method: "GET",
      path: new RegExp(`^/repos/${REPO}/issues$`),
      handle(m, _body, query) {
        const wantedState = query.get("state") ?? "open";
        const wanted = (query.get("labels") ?? "").split(",").filter(Boolean);
        const perPage = Number(query.get("per_page") ?? 30);
        const page = Number(query.get("page") ?? 1);
        const list = [...state.issues.values()]
          .filter((i) => i.repository.toLowerCase() === m[1]!.toLowerCase())
          .filter((i) => wantedState === "all" || (i.state ?? "open") === wantedState)
          .filter((i) => wanted.every((w) => i.labels.some((l) => l.name === w)))
          .slice((page - 1) * perPage, page * perPage)
          .map((i) => ({
            id: 1000 + i.number,
            number: i.number,
            title: i.title,
            body: i.body ?? null,
            state: i.state ?? "open",
            html_url: `https://github.com/${i.repository}/${i.pullRequest ? "pull" : "issues"}/${i.number}`,
            labels: i.labels.map((l) => ({ name: l.name })),
            user: { login: "Codertocat", type: "User" },
            ...(i.pullRequest
              ? { pull_request: { url: `https://api.github.com/repos/${i.repository}/pulls/${i.number}` } }
              : {}),
          }));
        return [200, list];
      },
    },
    {
      method: "GET",
      path: new RegExp(`^/repos/${REPO}/issues/(\\d+)/events$`),
      handle(m, _body, query) {
        const issue = state.issues.get(`${m[1]}#${m[2]}`);
        if (!issue) return [404, { message: "Not Found" }];
        const perPage = Number(query.get("per_page") ?? 30);
        const page = Number(query.get("page") ?? 1);
        return [
          200,
          issue.labels.slice((page - 1) * perPage, page * perPage).map((l, i) => ({
            id: 5000 + (page - 1) * perPage + i,
            event: "labeled",
            created_at: l.at,
            actor: { login: l.by, type: l.by.endsWith("[bot]") ? "Bot" : "User" },
            label: { name: l.name, color: "ededed" },
          })),
        ];
      },
    },
    {
      method: "GET",
      path: new RegExp(`^/repos/${REPO}/pulls/(\\d+)$`),
      handle(m) {
        const pull = state.pulls.get(`${m[1]}#${m[2]}`);
        return pull ? [200, pull] : [404, { message: "Not Found" }];
      },
    },
    {
      method: "POST",
      path: new RegExp(`^/repos/${REPO}/check-runs$`),
      handle(m, body) {
        const b = body as Omit<FakeCheckRun, "id" | "repository" | "history">;
        const run: FakeCheckRun = { ...b, id: nextId++, repository: m[1]!, history: [] };
        run.history.push(run.conclusion ? `${run.status}:${run.conclusion}` : run.status);
        state.checkRuns.set(run.id, run);
        return [201, run];
      },
    },
    {
      method: "PATCH",
      path: new RegExp(`^/repos/${REPO}/check-runs/(\\d+)$`),
      handle(m, body) {
        const run = state.checkRuns.get(Number(m[2]));
        if (!run || run.repository !== m[1]) return [404, { message: "Not Found" }];
        Object.assign(run, body as Partial<FakeCheckRun>);
        const step = run.conclusion ? `${run.status}:${run.conclusion}` : run.status;
        if (run.history.at(-1) !== step) run.history.push(step);
        return [200, run];
      },
    },
    {
      method: "GET",
      path: new RegExp(`^/repos/${REPO}/commits/([^/]+)/check-runs$`),
      handle(m, _body, query) {
        const name = query.get("check_name");
        const list = [...state.checkRuns.values()].filter(
          (r) => r.repository === m[1] && r.head_sha === m[2] && (!name || r.name === name),
        );
        return [200, { total_count: list.length, check_runs: list }];
      },
    },
    {
      method: "GET",
      path: /^\/app\/hook\/deliveries$/,
      handle: () => [200, state.deliveries],
    },
    {
      method: "POST",
      path: /^\/app\/hook\/deliveries\/(\d+)\/attempts$/,
      handle(m) {
        const id = Number(m[1]);
        if (!state.deliveries.some((d) => d.id === id)) return [404, { message: "Not Found" }];
        state.redeliveries.push(id);
        // GitHub answers 202 and delivers the same payload (same guid) again shortly after
        if (state.hook) setImmediate(() => void redeliver(id));
        return [202, {}];
      },
    },
    {
      method: "GET",
      path: new RegExp(`^/repos/${REPO}/installation$`),
      handle(m) {
        const id = state.installations.get(m[1]!.toLowerCase());
        return id === null ? [404, { message: "Not Found" }] : [200, { id: id ?? 4242 }];
      },
    },
    {
      method: "POST",
      path: /^\/app\/installations\/(\d+)\/access_tokens$/,
      async handle(m, body) {
        if (state.mintDelayMs > 0) await new Promise((r) => setTimeout(r, state.mintDelayMs));
        const scope = (body ?? {}) as { repositories?: string[]; permissions?: Record<string, string> };
        const owner = [...state.installations].find(([, id]) => id === Number(m[1]))?.[0]?.split("/")[0];
        // a scoped token (repositories named) is a new token each time, as GitHub mints them
        const token = scope.repositories
          ? `${state.installationToken}_run${++state.scopedMints}`
          : state.installationToken;
        return [
          201,
          {
            token,
            expires_at: new Date(Date.now() + state.tokenLifetimeMs).toISOString(),
            permissions: scope.permissions ?? { issues: "write", contents: "write", pull_requests: "write" },
            repository_selection: scope.repositories ? "selected" : "all",
            ...(scope.repositories
              ? {
                  repositories: scope.repositories.map((name, i) => ({
                    id: 1000 + i,
                    name,
                    full_name: `${owner ?? "owner"}/${name}`,
                  })),
                }
              : {}),
          },
        ];
      },
    },
  ];
}

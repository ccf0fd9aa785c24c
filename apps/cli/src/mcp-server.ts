import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import {
  NotAnOrchestratorApiError,
  OrchestratorApiError,
  type OrchestratorClient,
  OrchestratorConnectionError,
  OrchestratorTimeoutError,
} from "@orchestrator/client";
import {
  codeRunRequestSchema,
  docsRunRequestSchema,
  model,
  RUN_KINDS,
  RUN_PHASES,
  RUN_SOURCE_TYPES,
  relativePath,
  repositoryUrl,
} from "@orchestrator/contracts";
import { z } from "zod";
import { CLI_VERSION } from "./version.js";

/*
 * The MCP tools take the API's own fields (camelCase, same patterns), so what a PM agent sends is
 * exactly what `POST /api/v1/runs` validates; only defaults are left to the server.
 */

const idempotencyKey = z
  .string()
  .regex(/^[\x21-\x7e]{1,128}$/, "must be 1-128 printable ASCII characters")
  .optional()
  .describe("repeat a call with the same key and the first run is returned instead of a second one");

/** Fields with server-side defaults become plain optional fields, so the server's defaults apply. */
function withoutDefaults(shape: Record<string, z.ZodType>): Record<string, z.ZodType> {
  return Object.fromEntries(
    Object.entries(shape).map(([key, field]) => [
      key,
      field instanceof z.ZodDefault ? (field.unwrap() as z.ZodType).optional() : field,
    ]),
  );
}

const DESCRIPTIONS: Record<string, string> = {
  repositoryUrl:
    "repository to clone: git@host:org/repo.git (SSH key secret) or https://host/org/repo (token secret)",
  workingDirectory: "directory inside the repository, relative to its root (default: '.')",
  model: "model id or alias (opus, sonnet); default: the server's",
  githubUser: "GitHub user whose credentials (secret github-ssh-<user> or github-pat-<user>) the agent uses",
  sourceBranch: "branch holding .taskmaster/; the docs PR goes back to it",
  taskId: "Task Master task id",
  service: "service name (^[a-z0-9-]{1,63}$); code runs of one service share a workspace",
  docsRepositoryUrl: "repository with .taskmaster/docs/task-<id>/ (default: repositoryUrl)",
  docsProjectDirectory: "project directory in the docs repository (default: _projects/<service>)",
  docsBranch: "branch of the docs repository (default: main)",
  branch: "base branch of the destination repository (default: main)",
  toolConfig: "MCP tool preset: minimal, default or advanced",
  instructions: "free-form context given to the agent in its prompt",
  callbackUrl: "URL the final run is POSTed to",
  sessionId: "Claude session to resume (default: the last session of the same service and task)",
  fresh: "start Claude fresh instead of resuming the last session of the same service and task",
  allowUnknownModel: "send a model id that is not in the server's known list (a newer model)",
};

function describe(shape: Record<string, z.ZodType>): Record<string, z.ZodType> {
  return Object.fromEntries(
    Object.entries(shape).map(([key, field]) => [
      key,
      DESCRIPTIONS[key] ? field.describe(DESCRIPTIONS[key]) : field,
    ]),
  );
}

const docsInput = describe({
  ...withoutDefaults(
    docsRunRequestSchema.omit({ kind: true, idempotencyKey: true, source: true, retryOf: true }).shape,
  ),
  model: model.optional(),
  workingDirectory: relativePath.optional(),
  allowUnknownModel: z.boolean().optional(),
  idempotencyKey,
});

const codeInput = describe({
  ...withoutDefaults(
    codeRunRequestSchema.omit({
      kind: true,
      idempotencyKey: true,
      source: true,
      retryOf: true,
      retryCount: true,
    }).shape,
  ),
  model: model.optional(),
  workingDirectory: relativePath.optional(),
  docsRepositoryUrl: repositoryUrl.optional(),
  fresh: z.boolean().optional(),
  allowUnknownModel: z.boolean().optional(),
  idempotencyKey,
});

const runId = z.string().min(1).describe("run id, as returned by docs or code");

function ok(value: unknown): CallToolResult {
  return { content: [{ type: "text", text: JSON.stringify(value, null, 2) }] };
}

/** API errors come back as tool errors carrying the server's reason, so the agent can correct its call. */
function failure(err: unknown): CallToolResult {
  let text: string;
  if (err instanceof NotAnOrchestratorApiError) {
    text = err.message;
  } else if (err instanceof OrchestratorApiError) {
    text = `the orchestrator API refused (HTTP ${err.status}): ${err.message}`;
    for (const d of err.details) text += `\n- ${d.path}: ${d.message}`;
  } else if (err instanceof OrchestratorConnectionError || err instanceof OrchestratorTimeoutError) {
    text = err.message;
  } else {
    throw err;
  }
  return { isError: true, content: [{ type: "text", text }] };
}

async function call(fn: () => Promise<unknown>): Promise<CallToolResult> {
  try {
    return ok(await fn());
  } catch (err) {
    return failure(err);
  }
}

/** An MCP server exposing the run API as tools: docs, code, run_status, list_runs, cancel_run. */
export function createMcpServer(client: OrchestratorClient): McpServer {
  const server = new McpServer({ name: "orchestrator", version: CLI_VERSION });

  server.registerTool(
    "docs",
    {
      title: "Generate Task Master docs",
      description:
        "Start a docs run: an agent clones repositoryUrl at sourceBranch, documents the tasks in " +
        "<workingDirectory>/.taskmaster/tasks/tasks.json and opens a PR back to sourceBranch. Returns {runId, statusUrl, phase}.",
      inputSchema: docsInput,
    },
    ({ idempotencyKey: key, ...body }) =>
      call(() =>
        client.create({ ...(body as object), kind: "docs" } as never, {
          idempotencyKey: key as string | undefined,
        }),
      ),
  );

  server.registerTool(
    "code",
    {
      title: "Implement a Task Master task",
      description:
        "Start a code run: an agent implements task <taskId> of <service> in repositoryUrl on a feature branch, " +
        "using the task docs from docsRepositoryUrl. A follow-up run of the same service and task resumes the " +
        "last Claude session (fresh: true starts over, sessionId picks one). Returns {runId, statusUrl, phase}.",
      inputSchema: codeInput,
    },
    ({ idempotencyKey: key, ...body }) =>
      call(() =>
        client.create({ ...(body as object), kind: "code" } as never, {
          idempotencyKey: key as string | undefined,
        }),
      ),
  );

  server.registerTool(
    "run_status",
    {
      title: "Get a run",
      description:
        "Get a run: phase (Queued, Rendering, Dispatched, Pending, Running, Succeeded, Failed, Cancelled), timeline, " +
        "result and pull request URL. With wait=true, returns once the run has ended (or after timeoutSeconds).",
      inputSchema: {
        runId,
        wait: z.boolean().optional().describe("wait until the run is Succeeded, Failed or Cancelled"),
        timeoutSeconds: z.number().int().min(1).max(3600).optional().describe("longest wait (default 600)"),
      },
    },
    ({ runId: id, wait, timeoutSeconds }) =>
      call(async () => {
        if (!wait) return client.get(id);
        try {
          return await client.wait(id, { timeoutMs: (timeoutSeconds ?? 600) * 1000 });
        } catch (err) {
          // still running: the current state is the useful answer
          if (err instanceof OrchestratorTimeoutError)
            return { ...(await client.get(id)), waitTimedOut: true };
          throw err;
        }
      }),
  );

  server.registerTool(
    "list_runs",
    {
      title: "List runs",
      description: "List runs, newest first, optionally filtered. Returns {runs, nextCursor?}.",
      inputSchema: {
        phase: z.enum(RUN_PHASES).optional(),
        kind: z.enum(RUN_KINDS).optional(),
        source: z.enum(RUN_SOURCE_TYPES).optional(),
        repository: z.string().max(300).optional().describe("repository URL or owner/name"),
        limit: z.number().int().min(1).max(500).optional(),
        cursor: z.string().optional().describe("nextCursor of the previous page"),
      },
    },
    (query) => call(() => client.list(query)),
  );

  server.registerTool(
    "cancel_run",
    {
      title: "Cancel a run",
      description:
        "Ask for a run to be stopped; it ends in phase Cancelled. Returns {runId, phase, cancelRequested}.",
      inputSchema: { runId },
    },
    ({ runId: id }) => call(() => client.cancel(id)),
  );

  return server;
}

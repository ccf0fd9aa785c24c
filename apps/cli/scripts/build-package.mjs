// Builds the installable CLI package in dist/package: one bundled ESM program (every dependency
// inside, so installing needs no registry and running needs no tsx), the agent templates `render`
// uses, and a package.json with the scoped name. `npm pack dist/package` makes the tarball.
// Usage: node scripts/build-package.mjs [--pack <dir>]  (--pack also writes the .tgz into <dir>)

import { execFileSync } from "node:child_process";
import { chmodSync, cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const cliDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const repoRoot = resolve(cliDir, "../..");
const out = join(cliDir, "dist", "package");
const workspacePkg = JSON.parse(readFileSync(join(cliDir, "package.json"), "utf8"));

export const PACKAGE_NAME = "@5dlabs/orchestrator-cli";

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, "bin"), { recursive: true });
await build({
  absWorkingDir: cliDir,
  entryPoints: { main: "src/main.ts" },
  outdir: join(out, "dist"),
  bundle: true,
  // the MCP SDK is loaded only by `orchestrator mcp`: a chunk of its own keeps --help fast
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  platform: "node",
  format: "esm",
  target: "node20",
  minify: true,
  legalComments: "linked",
  // CommonJS dependencies call require(); give the ESM bundle one
  banner: {
    js: `import { createRequire as __cr } from "node:module"; const require = __cr(import.meta.url);`,
  },
  define: { ORCHESTRATOR_CLI_VERSION: JSON.stringify(workspacePkg.version) },
  logLevel: "warning",
});
writeFileSync(join(out, "bin", "orchestrator.js"), `#!/usr/bin/env node\nimport "../dist/main.js";\n`);
chmodSync(join(out, "bin", "orchestrator.js"), 0o755);
// `orchestrator render` reads the same templates as the renderer; they are found next to dist/
cpSync(join(repoRoot, "templates"), join(out, "templates"), { recursive: true });
cpSync(join(cliDir, "README.md"), join(out, "README.md"));
writeFileSync(
  join(out, "package.json"),
  `${JSON.stringify(
    {
      name: PACKAGE_NAME,
      version: workspacePkg.version,
      description: "CLI and MCP server of the orchestrator: start Claude Code agent runs and follow them",
      type: "module",
      bin: { orchestrator: "bin/orchestrator.js" },
      files: ["bin", "dist", "templates", "README.md"],
      engines: { node: ">=20" },
      license: "UNLICENSED",
    },
    null,
    2,
  )}\n`,
);

const packAt = process.argv.indexOf("--pack");
if (packAt > 0) {
  const dest = resolve(process.argv[packAt + 1] ?? ".");
  mkdirSync(dest, { recursive: true });
  const name = execFileSync("npm", ["pack", "--silent", "--pack-destination", dest], {
    cwd: out,
    encoding: "utf8",
  });
  process.stdout.write(`${join(dest, name.trim().split("\n").at(-1))}\n`);
}

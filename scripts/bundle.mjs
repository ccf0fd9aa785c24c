// Bundles one app entry point (and the workspace libs it imports) into dist/main.js.
// Third-party packages stay external and are resolved from node_modules at run time.

import { readFileSync } from "node:fs";
import { build } from "esbuild";

const entry = process.argv[2] ?? "src/main.ts";
const pkg = JSON.parse(readFileSync("package.json", "utf8"));
await build({
  entryPoints: [entry],
  outfile: "dist/main.js",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: true,
  // workspace packages (@orchestrator/*) are TypeScript sources, so they are bundled;
  // every other bare import stays external
  plugins: [
    {
      name: "externalise-third-party",
      setup(b) {
        b.onResolve({ filter: /^[^./]/ }, (args) =>
          args.path.startsWith("@orchestrator/") ? undefined : { path: args.path, external: true },
        );
      },
    },
  ],
  banner: { js: `// ${pkg.name} ${pkg.version}` },
  logLevel: "warning",
});

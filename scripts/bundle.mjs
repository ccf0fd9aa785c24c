// Bundles one app entry point (and the workspace libs it imports) into dist/main.js.
// Third-party packages stay external and are resolved from node_modules at run time, so every one
// of them must be declared in the app's own package.json `dependencies`: the image installs exactly
// those (`npm ci --omit=dev -w <app>`). An import the app does not declare fails the build.

import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { build } from "esbuild";

const args = process.argv.slice(2);
const entry = args.find((a) => !a.startsWith("--")) ?? "src/main.ts";
// --split: modules reached only through `await import()` go into chunks of their own (dist/chunks),
// loaded when first imported instead of at start-up (an app's idle memory: e.g. the Kubernetes client)
const split = args.includes("--split");
if (split) rmSync("dist/chunks", { recursive: true, force: true }); // no chunks of an earlier build
const pkg = JSON.parse(readFileSync("package.json", "utf8"));
const declared = new Set(Object.keys(pkg.dependencies ?? {}));
const builtins = new Set(builtinModules);

/** `@scope/name/sub` → `@scope/name`, `name/sub` → `name` */
function packageName(specifier) {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

const externals = new Map(); // package → first importer
const result = await build({
  entryPoints: { main: entry },
  outdir: "dist",
  ...(split ? { splitting: true, chunkNames: "chunks/[name]-[hash]" } : {}),
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: true,
  metafile: true,
  // workspace packages (@orchestrator/*) are TypeScript sources, so they are bundled;
  // every other bare import stays external
  plugins: [
    {
      name: "externalise-third-party",
      setup(b) {
        b.onResolve({ filter: /^[^./]/ }, (args) => {
          if (args.path.startsWith("@orchestrator/")) return undefined;
          const name = packageName(args.path);
          if (!args.path.startsWith("node:") && !builtins.has(name) && !externals.has(name))
            externals.set(name, args.importer);
          return { path: args.path, external: true };
        });
      },
    },
  ],
  banner: { js: `// ${pkg.name} ${pkg.version}` },
  logLevel: "warning",
});

const undeclared = [...externals].filter(([name]) => !declared.has(name));
if (undeclared.length > 0) {
  const lines = undeclared.map(([name, importer]) => `  ${name} (imported by ${importer})`);
  console.error(
    `${pkg.name}: the bundle imports packages missing from package.json "dependencies":\n${lines.join("\n")}\n` +
      `Add them with: npm install <package> -w ${pkg.name}`,
  );
  process.exit(1);
}
// the list the image and the deploy tests read: what this bundle needs from node_modules
writeFileSync("dist/externals.json", `${JSON.stringify([...externals.keys()].sort(), null, 2)}\n`);
void result;

import { JSONPath } from "jsonpath-plus";
import { badRequest } from "./api-error.js";
import { BUILTIN_COLUMNS, type BuiltinColumn } from "./builtin-columns.js";
import { age } from "./human-duration.js";
import type { PrinterColumn, ResourceType } from "./resource-type.js";
import type { KubeObject } from "./types.js";

/**
 * Server-side printing (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`), which `kubectl get`
 * asks for: built-in kinds get the API server's usual columns, custom resources their CRD's
 * additionalPrinterColumns evaluated with JSONPath (jsonpath-plus), or AGE when they declare none.
 */
export function wantsTable(accept: string | undefined): boolean {
  if (!accept) return false;
  for (const part of accept.split(",")) {
    const params = part.split(";").map((p) => p.trim());
    if (params[0] !== "application/json") continue;
    const has = (k: string, v: string) => params.includes(`${k}=${v}`);
    if (has("as", "Table") && has("g", "meta.k8s.io") && (has("v", "v1") || has("v", "v1beta1"))) return true;
    if (!params.some((p) => p.startsWith("as="))) return false; // plain JSON preferred first
  }
  return false;
}

interface Column {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
  cell: (obj: KubeObject) => unknown;
}

const NAME_COLUMN: Column = {
  name: "Name",
  type: "string",
  format: "name",
  description:
    "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically.",
  priority: 0,
  cell: (o) => o.metadata.name ?? "",
};

function fromBuiltin(c: BuiltinColumn): Column {
  return { ...c, priority: c.priority ?? 0, format: c.format ?? "" };
}

/** One CRD printer column: the first JSONPath result typed by the column type, nothing when absent. */
function fromPrinterColumn(c: PrinterColumn): Column {
  const path = c.jsonPath.startsWith("$")
    ? c.jsonPath
    : `$${c.jsonPath.startsWith(".") ? "" : "."}${c.jsonPath}`;
  return {
    name: c.name,
    type: c.type,
    format: c.format ?? "",
    description: c.description ?? "",
    priority: c.priority ?? 0,
    cell: (obj) => {
      const found = JSONPath({ path, json: obj as object, wrap: true }) as unknown[];
      const values = found.filter((v) => v !== undefined && v !== null);
      if (values.length === 0) return null;
      const value =
        values.length === 1
          ? values[0]
          : values.map((v) => (typeof v === "object" ? JSON.stringify(v) : String(v))).join(",");
      if (c.type === "date") return age(value);
      if ((c.type === "integer" || c.type === "number") && typeof value === "number") return value;
      if (c.type === "boolean" && typeof value === "boolean") return value;
      return typeof value === "object" ? JSON.stringify(value) : String(value);
    },
  };
}

function columnsFor(rt: ResourceType): Column[] {
  if (rt.custom) {
    const printer = rt.printerColumns ?? [];
    if (printer.length === 0)
      return [
        NAME_COLUMN,
        fromPrinterColumn({ name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" }),
      ];
    return [NAME_COLUMN, ...printer.map(fromPrinterColumn)];
  }
  const builtin = BUILTIN_COLUMNS[rt.kind];
  if (!builtin)
    return [
      NAME_COLUMN,
      fromBuiltin({
        name: "Age",
        type: "string",
        description: "",
        cell: (o) => age(o.metadata.creationTimestamp),
      }),
    ];
  if (rt.kind === "Event") return [...builtin.map(fromBuiltin), { ...NAME_COLUMN, priority: 1 }];
  return [NAME_COLUMN, ...builtin.map(fromBuiltin)];
}

function rowObject(obj: KubeObject, include: string): unknown {
  if (include === "None") return undefined;
  if (include === "Object") return obj;
  return { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: obj.metadata };
}

/** Converts one object or a list page to a meta.k8s.io/v1 Table. */
export function toTable(
  rt: ResourceType,
  objects: readonly KubeObject[],
  listMeta: Record<string, unknown>,
  includeObject: string | null,
): Record<string, unknown> {
  const include = includeObject ?? "Metadata";
  if (!["None", "Metadata", "Object"].includes(include)) {
    throw badRequest(
      `includeObject: Unsupported value: "${include}": supported values: "Metadata", "None", "Object"`,
    );
  }
  const columns = columnsFor(rt);
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: listMeta,
    columnDefinitions: columns.map(({ cell: _c, ...def }) => def),
    rows: objects.map((obj) => {
      const row: Record<string, unknown> = { cells: columns.map((c) => c.cell(obj)) };
      const object = rowObject(obj, include);
      if (object !== undefined) row["object"] = object;
      return row;
    }),
  };
}

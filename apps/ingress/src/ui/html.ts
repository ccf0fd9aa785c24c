/** HTML that is already escaped (the output of {@link html}). */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

type Value = SafeHtml | string | number | boolean | null | undefined | readonly Value[];

function render(value: Value): string {
  if (value === null || value === undefined || value === false) return "";
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join("");
  return escapeHtml(String(value));
}

/** Tagged template: every interpolated value is escaped unless it is SafeHtml (nested templates). */
export function html(strings: TemplateStringsArray, ...values: Value[]): SafeHtml {
  let out = strings[0] ?? "";
  for (const [i, value] of values.entries()) out += render(value) + (strings[i + 1] ?? "");
  return new SafeHtml(out);
}

/** Only http(s) links are rendered as links (never `javascript:`). */
export function safeHref(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

export interface PageOptions {
  title: string;
  /** the signed-in user, absent on the login page */
  user?: { name: string; role: string; csrf: string } | undefined;
  body: SafeHtml;
}

/** The page shell: no inline script or style (the CSP forbids them), one stylesheet, one script. */
export function page(options: PageOptions): string {
  const user = options.user;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · orchestrator</title>
<link rel="stylesheet" href="/ui/assets/console.css">
<script type="module" src="/ui/assets/console.js"></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <a class="brand" href="/ui/runs">orchestrator</a>
  ${
    user
      ? html`<nav aria-label="Main"><a href="/ui/runs">Runs</a> <a href="/ui/queues">Queues</a></nav>
  <form method="post" action="/ui/logout" class="logout">
    <input type="hidden" name="_csrf" value="${user.csrf}">
    <span class="who">${user.name} (${user.role})</span>
    <button type="submit">Sign out</button>
  </form>`
      : ""
  }
</header>
<main id="main">
${options.body}
</main>
</body>
</html>`.value;
}

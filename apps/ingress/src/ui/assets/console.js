// The console's only script (CSP: script-src 'self'). Live runs list and run page over the
// console's SSE stream, log follow, and confirmation of cancel and retry.

/** Confirm cancel and retry before they are posted (delegated: live updates replace the forms). */
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm))
    event.preventDefault();
});

/** Re-reads a server-rendered fragment into `target` (escaped on the server). */
async function refresh(url, target, replaceSelf) {
  const res = await fetch(url, { headers: { "x-console": "1" }, credentials: "same-origin" });
  if (res.status === 401) {
    window.location.assign(`/ui/login?next=${encodeURIComponent(window.location.pathname)}`);
    return;
  }
  if (!res.ok) return;
  const text = await res.text();
  if (replaceSelf) target.outerHTML = text;
  else target.innerHTML = text;
}

function debounce(fn, ms) {
  let timer;
  return () => {
    clearTimeout(timer);
    timer = setTimeout(fn, ms);
  };
}

const rows = document.querySelector("tbody[data-live]");
const runView = document.querySelector("[data-live-run]");
if (rows || runView) {
  const status = document.getElementById("live-status");
  const source = new EventSource("/ui/events");
  const refreshRows = rows ? debounce(() => refresh(rows.dataset.live, rows, false), 300) : undefined;
  const refreshRun = runView
    ? debounce(() => refresh(runView.dataset.liveRun, runView, false), 300)
    : undefined;
  source.addEventListener("open", () => {
    if (status) status.textContent = "Live";
    // catch up on what changed while (re)connecting
    refreshRows?.();
    refreshRun?.();
  });
  source.addEventListener("error", () => {
    if (status) status.textContent = "Reconnecting…";
  });
  source.addEventListener("run-event", (message) => {
    const event = JSON.parse(message.data);
    refreshRows?.();
    if (runView && event.runId === runView.dataset.runId) refreshRun?.();
  });
}

/** Follows the run's log: streams the text as it is written. */
const follow = document.getElementById("follow-log");
if (follow) {
  const log = document.getElementById("log");
  const status = document.getElementById("log-status");
  let controller;
  follow.addEventListener("click", async () => {
    if (controller) {
      controller.abort();
      return;
    }
    controller = new AbortController();
    follow.textContent = "Stop following";
    follow.setAttribute("aria-pressed", "true");
    status.textContent = "Following…";
    log.textContent = "";
    try {
      const res = await fetch(follow.dataset.logs, { signal: controller.signal, credentials: "same-origin" });
      if (!res.ok) {
        const body = await res.json().catch(() => ({}));
        status.textContent = body.error ?? `Log unavailable (${res.status})`;
        return;
      }
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        const atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
        log.append(value);
        if (atBottom) log.scrollTop = log.scrollHeight;
      }
      status.textContent = "Log ended.";
    } catch (err) {
      status.textContent = err.name === "AbortError" ? "Stopped." : "Log stream interrupted.";
    } finally {
      controller = undefined;
      follow.textContent = "Follow log";
      follow.setAttribute("aria-pressed", "false");
    }
  });
}

import { readFile } from "node:fs/promises";

/** Resident set size of a process in bytes, from /proc (undefined when it is gone or not Linux). */
export async function rssOf(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
  const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
  return kb === undefined ? undefined : Number(kb) * 1024;
}

/** User + system CPU seconds a process has used so far, from /proc/<pid>/stat. */
export async function cpuSecondsOf(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  // fields after the command name (which may hold spaces) start at ") "
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  // USER_HZ is 100 on every Linux Node supports
  return Number.isFinite(utime) && Number.isFinite(stime) ? (utime + stime) / 100 : undefined;
}

/** The 1-minute load average as the kernel reports it (what else the machine was doing). */
export async function loadAverage(): Promise<string> {
  const text = await readFile("/proc/loadavg", "utf8").catch(() => "");
  return text.split(" ").slice(0, 3).join(" ");
}

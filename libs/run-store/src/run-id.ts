import { randomUUID } from "node:crypto";

/**
 * Run ids are valid Kubernetes name parts and BullMQ job ids: lowercase letters and digits after
 * `run-`, never all digits, no colon. Time-ordered (base36 milliseconds) then random.
 */
export function newRunId(now = Date.now()): string {
  const time = now.toString(36).padStart(9, "0");
  // randomUUID draws from a buffered entropy pool (randomBytes asks the OS on every call); its first
  // 8 characters are random hex digits
  const random = randomUUID().slice(0, 8);
  return `run-${time}${random}`;
}

export const RUN_ID_RE = /^run-[a-z0-9]{17}$/;

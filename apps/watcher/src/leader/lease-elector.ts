import type { V1Lease } from "@kubernetes/client-node";
import { apiStatus } from "@orchestrator/kube";
import type { Logger } from "pino";
import { Gauge, type Registry } from "prom-client";
import type { KubeReader } from "../kube/kube-reader.js";
import type { KubeWriter } from "../kube/kube-writer.js";

export interface LeaseElectorOptions {
  reader: KubeReader;
  writer: KubeWriter;
  namespace: string;
  /** LEADER_LEASE_NAME */
  name: string;
  /** POD_NAME: who holds the lease */
  identity: string;
  /** LEADER_LEASE_DURATION, ms: a lease not renewed for this long may be taken */
  leaseDurationMs: number;
  /** LEADER_RENEW_DEADLINE, ms: a leader that could not renew for this long gives up */
  renewDeadlineMs: number;
  /** LEADER_RETRY_PERIOD, ms */
  retryPeriodMs: number;
  /** orchestrator_watcher_leader: 1 while this replica leads */
  gauge: Gauge;
  log: Logger;
  /** this replica became the leader: start working */
  onStartedLeading: () => Promise<void>;
  /** the lease was lost (or could not be renewed in time): stop working at once */
  onStoppedLeading: () => void;
  now?: () => number;
}

/** The `orchestrator_watcher_leader` gauge: 1 while this replica leads, 0 otherwise. */
export function leaderGauge(registry: Registry): Gauge {
  return new Gauge({
    name: "orchestrator_watcher_leader",
    help: "1 while this watcher replica holds the leader Lease and works, 0 while it waits",
    registers: [registry],
  });
}

/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection does it: every
 * retry period a candidate reads the Lease and takes it when it is free or its holder has not renewed
 * it for the lease duration (measured on this replica's clock from when it last saw the Lease change,
 * so clock skew between replicas does not matter); writes carry the resourceVersion read, so of two
 * candidates only one wins. The leader renews every retry period and stops leading when it could not
 * renew within the renew deadline. `stop()` releases a held lease so a standby takes over at once.
 */
export class LeaseElector {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private leading = false;
  private lastRenewed = 0;
  private observed: { version: string | undefined; at: number } = { version: undefined, at: 0 };
  private tick: Promise<void> | undefined;
  private readonly now: () => number;

  constructor(private readonly options: LeaseElectorOptions) {
    this.now = options.now ?? Date.now;
    options.gauge.set(0);
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.tick;
    if (this.leading) {
      this.lose("stopping");
      await this.release().catch((err: unknown) =>
        this.options.log.warn({ err }, "could not release the lease"),
      );
    }
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.tick = this.attempt().finally(() => {
        this.tick = undefined;
        this.schedule(this.options.retryPeriodMs);
      });
    }, delayMs);
    this.timer.unref();
  }

  private async attempt(): Promise<void> {
    let held: boolean | undefined;
    try {
      held = await this.tryAcquireOrRenew();
    } catch (err) {
      this.options.log.warn({ err, lease: this.options.name }, "lease election: the API did not answer");
    }
    if (!this.running) return;
    if (held) {
      this.lastRenewed = this.now();
      if (!this.leading) {
        this.leading = true;
        this.options.gauge.set(1);
        this.options.log.info(
          { lease: this.options.name, identity: this.options.identity },
          "became the leader",
        );
        // not awaited: renewing must go on while the work starts up (the first lists can be slow)
        this.options.onStartedLeading().catch((err: unknown) => {
          this.options.log.error({ err }, "starting the work failed");
          this.lose("the work failed to start");
        });
      }
    } else if (
      this.leading &&
      (held === false || this.now() - this.lastRenewed >= this.options.renewDeadlineMs)
    ) {
      this.lose("lease lost or not renewed within LEADER_RENEW_DEADLINE");
    }
  }

  private lose(why: string): void {
    if (!this.leading) return;
    this.leading = false;
    this.options.gauge.set(0);
    this.options.log.warn({ lease: this.options.name, why }, "stopped leading");
    this.options.onStoppedLeading();
  }

  /** true when this replica holds the lease after the call; throws when the API fails. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const { reader, writer, namespace, name, identity } = this.options;
    const now = new Date(this.now());
    const spec = {
      holderIdentity: identity,
      leaseDurationSeconds: Math.max(1, Math.ceil(this.options.leaseDurationMs / 1000)),
      renewTime: now,
    };
    const lease = await reader.lease(namespace, name);
    if (!lease) {
      try {
        await writer.createLease(namespace, {
          apiVersion: "coordination.k8s.io/v1",
          kind: "Lease",
          metadata: { name, namespace },
          spec: { ...spec, acquireTime: now, leaseTransitions: 0 },
        });
        return true;
      } catch (err) {
        if (apiStatus(err) === 409) return false; // another candidate created it first
        throw err;
      }
    }
    const version = lease.metadata?.resourceVersion;
    if (version !== this.observed.version) this.observed = { version, at: this.now() };
    const holder = lease.spec?.holderIdentity;
    const durationMs = (lease.spec?.leaseDurationSeconds ?? 0) * 1000;
    const mine = holder === identity;
    if (!mine && holder && this.now() < this.observed.at + durationMs) return false;
    const body: V1Lease = {
      ...lease,
      spec: {
        ...lease.spec,
        ...spec,
        acquireTime: mine ? (lease.spec?.acquireTime ?? now) : now,
        leaseTransitions: (lease.spec?.leaseTransitions ?? 0) + (mine ? 0 : 1),
      },
    };
    try {
      const written = await writer.replaceLease(namespace, name, body);
      this.observed = { version: written.metadata?.resourceVersion, at: this.now() };
      return true;
    } catch (err) {
      if (apiStatus(err) === 409) return false; // someone else wrote it since it was read
      throw err;
    }
  }

  /** Gives the lease up (holder cleared, expired) so a standby need not wait out the duration. */
  private async release(): Promise<void> {
    const { reader, writer, namespace, name, identity } = this.options;
    const lease = await reader.lease(namespace, name);
    if (!lease || lease.spec?.holderIdentity !== identity) return;
    const { holderIdentity: _released, ...rest } = lease.spec ?? {};
    await writer.replaceLease(namespace, name, {
      ...lease,
      spec: { ...rest, leaseDurationSeconds: 1, renewTime: new Date(0) },
    });
  }
}

/**
 * Fault plans as data: what goes wrong from a timeline step's instant, and for how long. The scenario
 * loader produces them; the fault runner (fault-runner.ts) carries them out through the world's hooks.
 *
 * Invariants: durations are integer µs, 0 meaning "until the run ends"; rates are whole numbers;
 * shares are parts per million.
 *
 * Not modelled: node failures (pods of one node together), disk or memory pressure, clock skew.
 */

/** kube-controller-manager --node-monitor-grace-period default: a silent node is marked NotReady after this. */
export const NODE_MONITOR_GRACE_US = 40_000_000;
/** The not-ready/unreachable tolerationSeconds Kubernetes adds to every pod: evicted this long after NotReady. */
export const NODE_EVICTION_US = 300_000_000;

/** Istio's ProxyConfig terminationDrainDuration default: a deleted pod's sidecar drains this long. */
export const TERMINATION_DRAIN_US = 5_000_000;

export type FaultSpec =
  /** Every istiod replica is down; proxies keep their config and reconnect when it returns. */
  | { readonly kind: 'istiod-outage'; readonly durationUs: number }
  /** The workload's proxies reject (NACK) every config pushed to them. */
  | { readonly kind: 'proxy-nack'; readonly workload: string; readonly durationUs: number }
  /** Pods of the workload crash: gone at once, replaced by their controller. */
  | { readonly kind: 'pod-failure'; readonly workload: string; readonly pods: number }
  /**
   * Pods are deleted (as by `kubectl delete pod`, an eviction or a rolling restart) at `ratePerSecond`,
   * Poisson arrivals, each picked uniformly among the ready pods of Deployments and StatefulSets
   * (outside istio-system; in `namespace` when given); each leaves the endpoints at once, keeps serving
   * while its sidecar drains (`drainUs`), and is replaced by its controller.
   */
  | { readonly kind: 'pod-churn'; readonly ratePerSecond: number; readonly durationUs: number; readonly namespace: string | null; readonly drainUs: number }
  /**
   * Config churn, as a GitOps pipeline or an operator produces it: every `intervalUs`, one Service (picked
   * uniformly among the Kubernetes Services outside istio-system, in `namespace` when given) gets a new
   * VirtualService or DestinationRule version, alternately (a route timeout, a connection-pool limit), so
   * istiod sees a config change and runs a full push.
   */
  | { readonly kind: 'config-churn'; readonly intervalUs: number; readonly durationUs: number; readonly namespace: string | null }
  /** Extra one-way latency on every link of the workload's pods (xDS included). */
  | { readonly kind: 'network-delay'; readonly workload: string; readonly delayUs: number; readonly durationUs: number }
  /** A share of connection attempts to or from the workload's pods fails. */
  | { readonly kind: 'network-loss'; readonly workload: string; readonly lossPpm: number; readonly durationUs: number }
  /** Nothing passes between the workload's pods and `peer` (`istiod`, a workload `NS/NAME`, or `*`). */
  | { readonly kind: 'network-partition'; readonly workload: string; readonly peer: string; readonly durationUs: number }
  /**
   * A node fails: its pods stop answering at once; after NODE_MONITOR_GRACE_US the node controller
   * marks it NotReady (its pods leave the endpoints); NODE_EVICTION_US later they are evicted (gone,
   * replaced on other nodes). When the fault ends the node is back.
   */
  | { readonly kind: 'node-failure'; readonly node: string; readonly durationUs: number }
  /** The workload's certificates are past notAfter (its agent cannot renew) until the fault ends. */
  | { readonly kind: 'certificate-expiry'; readonly workload: string; readonly durationUs: number };

// The clock every figure is timed with: CPU time of this process (user + system), in ms.
//
// Job: give tinybench and the calibration loop one timestamp function, so a figure and the
// calibration it is divided by are measured the same way.
//
// Why this clock: wall time counts the time slices a shared machine gives to other processes. The
// per-thread clocks (process.threadCpuUsage, /proc/thread-self/schedstat) advance in scheduler ticks
// (4 ms here), too coarse for a sample. Process CPU time is exact to the microsecond but also counts
// V8's helper threads (concurrent GC, background compilation): bench.ts therefore runs with those
// kept on the main thread (see v8-flags.ts), so this clock counts the code under test and its GC.
//
// Invariants: monotonic within a process; microsecond resolution (getrusage RUSAGE_SELF).
//
// Not modelled: contention that slows our own CPU time down (shared caches, memory bandwidth, SMT
// siblings, a hypervisor's steal time); the calibration ratio is there for those.

/** CPU time of this process so far, in milliseconds. */
export function cpuNowMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

import { useEffect, useRef, useState } from "preact/hooks";

/**
 * Runs `tick` now and then every `everyMs` while the component is mounted, one call at a time (a slow
 * answer never stacks up requests). `deps` restart it, e.g. when the filters change.
 */
export function usePoll(tick: () => Promise<void>, everyMs: number, deps: unknown[]): void {
  const latest = useRef(tick);
  latest.current = tick;
  useEffect(() => {
    let stopped = false;
    let timer: number | undefined;
    const run = async () => {
      try {
        await latest.current();
      } finally {
        if (!stopped) timer = window.setTimeout(run, everyMs);
      }
    };
    run();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, deps);
}

/** The current time, re-rendering the caller every `everyMs` (countdowns). */
export function useNow(everyMs = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), everyMs);
    return () => window.clearInterval(timer);
  }, [everyMs]);
  return now;
}

import { countdownText, slaState } from "../lib/time";

/** The SLA due time as colour and words: "At risk: 12m 03s left", "Late by 4m 10s". */
export function Countdown({ due, answered, now }: { due: string | null; answered: string | null; now: number }) {
  const state = slaState(due, answered, now);
  return (
    <span class={`sla sla-${state}`} data-sla={state}>
      {countdownText(due, answered, now)}
    </span>
  );
}

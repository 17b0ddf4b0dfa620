import { countdownText, slaState } from "../lib/time";

/** The SLA due time as colour and words: "At risk: 12m 03s left", "Late by 4m 10s". */
export function Countdown({ due, answered, now, atRisk }: { due: string | null; answered: string | null; now: number; atRisk?: string | null }) {
  const state = slaState(due, answered, now, atRisk);
  return (
    <span class={`sla sla-${state}`} data-sla={state}>
      {countdownText(due, answered, now, atRisk)}
    </span>
  );
}

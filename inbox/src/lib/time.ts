// SLA countdowns. A case is at risk from its own at_risk_at (triage sets it from the queue's SLA), or,
// without one, within 30 minutes of due, as the API's queue counts (carebird.casework.service.AT_RISK_WINDOW).
export const AT_RISK_MS = 30 * 60_000;

export type SlaState = "on_time" | "at_risk" | "late" | "answered" | "none";

export function slaState(dueIso: string | null, answeredIso: string | null, now: number, atRiskIso?: string | null): SlaState {
  if (answeredIso) return "answered";
  if (!dueIso) return "none";
  const due = Date.parse(dueIso);
  if (due - now < 0) return "late";
  const atRisk = atRiskIso ? Date.parse(atRiskIso) : due - AT_RISK_MS;
  return now >= atRisk ? "at_risk" : "on_time";
}

/** 75 s -> "1m 15s"; 3 h 5 m -> "3h 05m"; 2 days -> "2d 0h". */
export function span(ms: number): string {
  const s = Math.floor(Math.abs(ms) / 1000);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${String(m).padStart(2, "0")}m`;
  if (m > 0) return `${m}m ${String(sec).padStart(2, "0")}s`;
  return `${sec}s`;
}

export const SLA_LABEL: Record<SlaState, string> = {
  on_time: "On time",
  at_risk: "At risk",
  late: "Late",
  answered: "Answered",
  none: "No clock running",
};

export function countdownText(dueIso: string | null, answeredIso: string | null, now: number, atRiskIso?: string | null): string {
  const state = slaState(dueIso, answeredIso, now, atRiskIso);
  if (state === "answered" || state === "none" || !dueIso) return SLA_LABEL[state];
  const left = Date.parse(dueIso) - now;
  return state === "late" ? `Late by ${span(left)}` : `${SLA_LABEL[state]}: ${span(left)} left`;
}

export function ago(iso: string, now: number): string {
  return `${span(now - Date.parse(iso))} ago`;
}

export function when(iso: string | null | undefined): string {
  if (!iso) return "";
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

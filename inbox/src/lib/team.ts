// The supervisor's routes (layers/carebird/agent_api/reports.py and team.py): their bodies, and a client
// built on the inbox's AgentApi request path (same token, same errors).
import type { QueueSummary } from "../types";

export interface Cost {
  queries: number;
  items: number;
  bytes: number;
  read_units: number;
  consumed_units: number | null;
}

interface ReportBase {
  brand_id: string;
  start: string;
  end: string;
  queue: string | null;
  empty: boolean;
  cost: Cost;
}

export interface ClockFigures {
  met: number;
  missed: number;
  met_pct: number | null;
}

export interface SlaReport extends ReportBase {
  days: { day: string; first_response: ClockFigures; next_response: ClockFigures; resolution: ClockFigures }[];
  first_response: ClockFigures;
  next_response: ClockFigures;
  resolution: ClockFigures;
  all_clocks: ClockFigures;
}

export interface FirstResponseReport extends ReportBase {
  responses: number;
  priorities: {
    priority: string;
    target_seconds: number | null;
    responses: number;
    met: number;
    missed: number;
    met_pct: number | null;
    average_seconds: number | null;
    p50_le_seconds: number | null;
    p90_le_seconds: number | null;
    buckets: { le_seconds: number | null; count: number }[];
  }[];
}

export interface CsatReport extends ReportBase {
  answers: number;
  average: number | null;
  distribution: Record<string, number>;
  days: { day: string; answers: number; average: number | null }[];
}

export interface VolumeReport extends ReportBase {
  cases: number;
  by_queue: Record<string, number>;
  hours: { hour: string; queue: string; cases: number }[];
}

export interface ReopenedReport extends ReportBase {
  resolved: number;
  reopened_after_low_score: number;
  share_pct: number | null;
  days: { day: string; resolved: number; reopened_after_low_score: number }[];
}

export interface CorrectionsReport extends ReportBase {
  corrections: number;
  weeks: { week: string; queue_moves: number; agent_moves: number; total: number }[];
}

/** One kind of use on X (post_read, post, post_with_url, dm_sent, ...): units billed and their dollars. */
export interface XSpendKind {
  kind: string;
  units: number;
  usd: number;
  price_usd: number;
}

/** GET /reports/x-spend: what X billed the brand per UTC day and kind, against its daily budget. */
export interface XSpendReport extends ReportBase {
  total_usd: number;
  kinds: XSpendKind[];
  days: { day: string; usd: number; kinds: XSpendKind[] }[];
  daily_budget_usd: number | null;
  today_used_pct: number | null;
  prices_read_on: string;
}

export interface Reports {
  sla: SlaReport;
  "first-response": FirstResponseReport;
  csat: CsatReport;
  volume: VolumeReport;
  reopened: ReopenedReport;
  corrections: CorrectionsReport;
}

export type ReportName = keyof Reports;

export interface ReportFilters {
  from: string;
  to: string;
  queue: string;
}

export interface AgentLoad {
  agent_id: string;
  name: string;
  role: string;
  available: boolean;
  open_cases: number;
  capacity: number;
  case_ids: string[];
  current_case: string | null;
}

export interface Team {
  queues: QueueSummary[];
  agents: AgentLoad[];
}

export interface AlarmState {
  name: string;
  state: string;
  reason: string;
  metric: string | null;
  updated_at: string | null;
  description: string;
}

/** A post X sent that ingestion could not read: stored raw (`raw`, the post as X sent it) with the reason. */
export interface UnreadablePost {
  id: string;
  author_id: string | null;
  received_at: string;
  reason: string;
  raw: string;
}

export function reportQuery(filters: ReportFilters, extra: Record<string, string> = {}): string {
  const query = new URLSearchParams();
  if (filters.from) query.set("from", filters.from);
  if (filters.to) query.set("to", filters.to);
  if (filters.queue) query.set("queue", filters.queue);
  for (const [key, value] of Object.entries(extra)) query.set(key, value);
  return query.toString();
}

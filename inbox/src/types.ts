// The agent API's bodies, as layers/carebird/agent_api/schemas.py declares them (GET /openapi?format=json).

export interface ApiErrorBody {
  error: {
    code: string;
    message: string;
    holder?: string | null;
    holder_name?: string | null;
    details?: { field: string; problem: string }[];
  };
  reply?: ReplyView | null;
}

export interface Me {
  agent_id: string;
  brand_id: string;
  name: string;
  role: string;
  queues: string[];
}

export interface QueueSummary {
  queue: string;
  open: number;
  unassigned: number;
  awaiting_first_response: number;
  oldest_waiting_since: string | null;
  oldest_waiting_seconds: number | null;
  at_risk: number;
  breached: number;
}

export interface EarlierCase {
  id: string;
  status: string;
  opened_at: string;
  resolved_at: string | null;
  csat: number | null;
}

export interface Customer {
  id: string;
  username: string;
  name: string;
  followers: number;
  verified: boolean;
  earlier_cases?: EarlierCase[];
}

export interface CaseSummary {
  id: string;
  queue: string;
  status: string;
  priority: string;
  channel: "public" | "dm" | string;
  customer: Customer;
  assignee: string | null;
  skill: string | null;
  language: string | null;
  created_at: string;
  first_message_at: string;
  first_response_due: string | null;
  first_response_at: string | null;
  sla_met: boolean | null;
  // The clock the case races now (first_response, next_response or resolution), when it runs out and
  // when it turns at risk; null when closed or paused.
  due_clock?: string | null;
  due_at?: string | null;
  at_risk_at?: string | null;
  messages: number;
  first_line?: string;
  sentiment?: string | null;
}

export interface PartView {
  index: number;
  text: string;
  status: "pending" | "sent" | "failed" | "not_sent" | string;
  x_id: string | null;
  error_code: string | null;
  error: string | null;
}

export interface ReplyView {
  id: string;
  case_id: string;
  channel: string;
  text: string;
  author_id: string;
  created_at: string;
  in_reply_to_id: string | null;
  status: "pending" | "sent" | "failed" | string;
  error_code: string | null;
  error: string | null;
  retry_at: string | null;
  x_ids: string[];
  parts: PartView[];
}

export interface Message {
  id: string;
  direction: "in" | "out" | "note" | string;
  channel: string;
  author_id: string;
  text: string;
  created_at: string;
  conversation_id: string | null;
  in_reply_to_id: string | null;
  classification: Record<string, unknown> | null;
  delivery: ReplyView | null;
}

export interface Decision {
  at: string;
  kind: string;
  value: string;
  reason: string;
  by: string;
}

export interface ClockView {
  state: string;
  due_at?: string | null;
  seconds_left?: number | null;
  [key: string]: unknown;
}

export interface SlaClock {
  name: string;
  state: string;
  started_at: string;
  due_at: string | null;
  stopped_at: string | null;
  met: boolean | null;
  seconds_left: number | null;
  next_response: ClockView | null;
  resolution: ClockView | null;
}

export interface Presence {
  agent_id: string;
  name: string;
  typing: boolean;
  until: string;
}

export interface CaseDetail extends CaseSummary {
  classification: Record<string, unknown>;
  priority_score: number;
  closed_reason: string | null;
  updated_at: string;
  version: number;
  reasons: Decision[];
  sla: SlaClock;
  thread: Message[];
  presence?: Presence[];
  x_cost?: XCost | null;
}

export interface XCost {
  total_usd: number;
  items: { kind: string; units: number; usd: number }[];
  left_out: string;
}

export interface CannedResponse {
  id: string;
  brand_id: string;
  title: string;
  text: string;
}

export interface Agent {
  id: string;
  name: string;
  available: boolean;
  skills: string[];
  languages: string[];
  open_cases: number;
  capacity: number;
  supervisor: boolean;
}

export interface Preview {
  parts: { text: string; weighted_length: number }[];
  weighted_length: number;
  max_weighted_length: number;
  contains_link: boolean;
  estimated_cost_usd: number;
  warnings: { code: string; message: string }[];
  sendable: boolean;
}

export type Channel = "public" | "dm";

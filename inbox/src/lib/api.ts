// The typed client of the agent API: the same routes, the same ID token and the same JSON errors as
// the terminal client. Conditional GETs (ETag / If-None-Match) keep the inbox's polling cheap.
import type { Auth } from "./auth";
import type {
  Agent,
  ApiErrorBody,
  CannedResponse,
  CaseDetail,
  CaseSummary,
  Channel,
  Me,
  Message,
  Presence,
  Preview,
  QueueSummary,
  ReplyView,
} from "../types";
import {
  type AgentLoad,
  type AlarmState,
  type ReportFilters,
  type ReportName,
  type Reports,
  reportQuery,
  type Team,
  type UnreadablePost,
  type XSpendReport,
} from "./team";

/** An answer with an error status: `code` and `message` from the API's JSON body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: ApiErrorBody | null = null,
  ) {
    super(message);
  }
  /** claimed_by_other: who holds the case, by name (and id when the name differs). */
  get holder(): string | null {
    const error = this.body?.error;
    if (!error?.holder) return null;
    return error.holder_name && error.holder_name !== error.holder ? `${error.holder_name} (${error.holder})` : error.holder;
  }
  /** Worth retrying with the same Idempotency-Key: X unavailable, or the API had a fault. */
  get transient(): boolean {
    return this.status >= 500 || this.status === 0 || this.code === "in_progress";
  }
}

/** The request never got an answer (offline, connection reset). */
export class NetworkError extends ApiError {
  constructor(message: string) {
    super(0, "network", message);
  }
}

export type Fresh<T> = { changed: true; data: T; etag: string | null } | { changed: false };

export interface CaseFilters {
  queue?: string;
  status?: string;
  assignee?: string;
  q?: string;
}

export class AgentApi {
  constructor(
    private readonly base: string,
    private readonly auth: Auth,
  ) {}

  private async send(method: string, path: string, init: { body?: unknown; headers?: Record<string, string> } = {}): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      const token = await this.auth.idToken();
      const headers: Record<string, string> = { ...(init.headers ?? {}) };
      if (token) headers.Authorization = token;
      if (init.body !== undefined) headers["Content-Type"] = "application/json";
      let response: Response;
      try {
        response = await fetch(this.base + path.replace(/^\//, ""), {
          method,
          headers,
          body: init.body === undefined ? undefined : JSON.stringify(init.body),
          cache: "no-store",
        });
      } catch (error) {
        throw new NetworkError(`The API could not be reached (${(error as Error).message}).`);
      }
      if (response.status === 401 && attempt === 0) {
        await this.auth.reauthenticate(); // in place: the page, and any draft, stay as they are
        continue;
      }
      return response;
    }
  }

  private async fail(response: Response): Promise<never> {
    let body: ApiErrorBody | null = null;
    try {
      body = (await response.json()) as ApiErrorBody;
    } catch {
      body = null;
    }
    const code = body?.error?.code ?? (response.status === 401 ? "unauthorized" : `http_${response.status}`);
    const message =
      body?.error?.message ??
      (body as unknown as { message?: string })?.message ??
      `The API answered ${response.status} ${response.statusText}`;
    throw new ApiError(response.status, code, message, body);
  }

  private async json<T>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<T> {
    const response = await this.send(method, path, { body, headers });
    if (!response.ok) return this.fail(response);
    return (response.status === 204 ? null : await response.json()) as T;
  }

  /** GET with If-None-Match: `changed: false` when the resource is as it was at `etag`. */
  private async fresh<T>(path: string, etag: string | null): Promise<Fresh<T>> {
    const response = await this.send("GET", path, { headers: etag ? { "If-None-Match": etag } : {} });
    if (response.status === 304) return { changed: false };
    if (!response.ok) return this.fail(response);
    return { changed: true, data: (await response.json()) as T, etag: response.headers.get("ETag") };
  }

  /** A route the API may not have yet: null when it answers no_such_route. */
  private async optional<T>(call: () => Promise<T>): Promise<T | null> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof ApiError && error.status === 404 && error.code === "no_such_route") return null;
      throw error;
    }
  }

  me(): Promise<Me> {
    return this.json("GET", "me");
  }

  queues(etag: string | null = null): Promise<Fresh<{ queues: QueueSummary[] }>> {
    return this.fresh("queues", etag);
  }

  cases(filters: CaseFilters, etag: string | null = null): Promise<Fresh<{ cases: CaseSummary[] }>> {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(filters)) if (value) query.set(key, value);
    query.set("limit", "200");
    return this.fresh(`cases?${query}`, etag);
  }

  case(id: string, etag: string | null = null): Promise<Fresh<CaseDetail>> {
    return this.fresh(`cases/${encodeURIComponent(id)}`, etag);
  }

  claim(id: string): Promise<CaseDetail> {
    return this.json("POST", `cases/${encodeURIComponent(id)}/claim`);
  }

  unclaim(id: string): Promise<CaseDetail> {
    return this.json("POST", `cases/${encodeURIComponent(id)}/unclaim`);
  }

  resolve(id: string, reason = ""): Promise<CaseDetail> {
    return this.json("POST", `cases/${encodeURIComponent(id)}/resolve`, { reason });
  }

  reopen(id: string, reason = ""): Promise<CaseDetail> {
    return this.json("POST", `cases/${encodeURIComponent(id)}/reopen`, { reason });
  }

  note(id: string, text: string): Promise<Message> {
    return this.json("POST", `cases/${encodeURIComponent(id)}/notes`, { text });
  }

  reassign(id: string, target: { queue: string } | { agent_id: string }, reason = ""): Promise<CaseSummary> {
    return this.json("POST", `cases/${encodeURIComponent(id)}/reassign`, { ...target, reason });
  }

  /**
   * Send a reply. The Idempotency-Key makes a retry safe: the API never posts a part twice for it. A 202
   * (not confirmed yet) comes back as the view with status "pending".
   */
  reply(id: string, text: string, channel: Channel, idempotencyKey: string): Promise<ReplyView> {
    return this.json("POST", `cases/${encodeURIComponent(id)}/replies`, { text, channel }, { "Idempotency-Key": idempotencyKey });
  }

  canned(): Promise<{ canned_responses: CannedResponse[] }> {
    return this.json("GET", "canned-responses");
  }

  agents(): Promise<{ agents: Agent[] } | null> {
    return this.optional(() => this.json("GET", "agents"));
  }

  presence(id: string, typing: boolean): Promise<{ presence: Presence[] } | null> {
    return this.optional(() => this.json("PUT", `cases/${encodeURIComponent(id)}/presence`, { typing }));
  }

  preview(id: string, text: string, channel: Channel): Promise<Preview | null> {
    return this.optional(() => this.json("POST", `cases/${encodeURIComponent(id)}/replies/preview`, { text, channel }));
  }

  // The supervisor's team view (layers/carebird/agent_api/team.py and reports.py).
  team(): Promise<Team> {
    return this.json("GET", "team");
  }

  alarms(): Promise<{ alarms: AlarmState[] }> {
    return this.json("GET", "alarms");
  }

  unreadablePosts(): Promise<{ posts: UnreadablePost[] }> {
    return this.json("GET", "unreadable-posts");
  }

  setAvailability(agentId: string, available: boolean): Promise<AgentLoad> {
    return this.json("PUT", `agents/${encodeURIComponent(agentId)}/availability`, { available });
  }

  report<N extends ReportName>(name: N, filters: ReportFilters): Promise<Reports[N]> {
    return this.json("GET", `reports/${name}?${reportQuery(filters)}`);
  }

  /** What X billed the brand per UTC day and kind, from..to (inclusive), against its daily budget. */
  xSpend(from: string, to: string): Promise<XSpendReport> {
    return this.json("GET", `reports/x-spend?${reportQuery({ from, to, queue: "" })}`);
  }

  /** The report's rows as CSV (the same filters), for a download link. */
  async reportCsv(name: ReportName, filters: ReportFilters): Promise<Blob> {
    const response = await this.send("GET", `reports/${name}?${reportQuery(filters, { format: "csv" })}`);
    if (!response.ok) return this.fail(response);
    return response.blob();
  }

  putCanned(id: string, title: string, text: string): Promise<CannedResponse> {
    return this.json("PUT", `canned-responses/${encodeURIComponent(id)}`, { title, text });
  }

  deleteCanned(id: string): Promise<null> {
    return this.json("DELETE", `canned-responses/${encodeURIComponent(id)}`);
  }
}

// Reply drafts, kept per agent and case in localStorage: a reload, an expired session or a failed send
// never loses what the agent wrote. `pending` is a send that has not been confirmed: its text, channel
// and Idempotency-Key, so Retry sends exactly the same request and X gets the reply once.
import type { Channel } from "../types";

export interface PendingSend {
  text: string;
  channel: Channel;
  idempotencyKey: string;
}

export interface Draft {
  text: string;
  channel: Channel | null;
  pending: PendingSend | null;
}

const EMPTY: Draft = { text: "", channel: null, pending: null };

function key(agent: string, caseId: string): string {
  return `carebird.draft.${agent}.${caseId}`;
}

export function loadDraft(agent: string, caseId: string): Draft {
  try {
    const raw = localStorage.getItem(key(agent, caseId));
    return raw ? { ...EMPTY, ...(JSON.parse(raw) as Draft) } : { ...EMPTY };
  } catch {
    return { ...EMPTY };
  }
}

export function saveDraft(agent: string, caseId: string, draft: Draft): void {
  if (!draft.text && !draft.pending) localStorage.removeItem(key(agent, caseId));
  else localStorage.setItem(key(agent, caseId), JSON.stringify(draft));
}

export function newIdempotencyKey(): string {
  return crypto.randomUUID();
}

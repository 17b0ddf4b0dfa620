import { useEffect, useRef, useState } from "preact/hooks";
import { useLocation } from "wouter-preact";
import { CaseActions } from "../components/CaseActions";
import { ClassificationPanel, CustomerPanel, HistoryPanel, SlaPanel, XCostPanel } from "../components/CasePanels";
import { Handle } from "../components/CaseRow";
import { Composer } from "../components/Composer";
import { Conversation } from "../components/Conversation";
import { NoteForm } from "../components/NoteForm";
import { explain, Notice } from "../components/Notice";
import { ApiError } from "../lib/api";
import { neighbour } from "../lib/caseorder";
import { useApp } from "../lib/context";
import { usePoll, useNow } from "../lib/poll";
import { useShortcuts } from "../lib/shortcuts";
import type { CaseDetail, Presence } from "../types";

const POLL_MS = 4000;
const PRESENCE_MS = 10_000;
const TYPING_MS = 4000;
const OPEN = new Set(["queued", "assigned", "pending_customer"]);

function presenceText(p: Presence): string {
  return `${p.name || p.agent_id} is ${p.typing ? "typing a reply" : "viewing"}`;
}

export function CaseView({ id }: { id: string }) {
  const { api, me } = useApp();
  const [, navigate] = useLocation();
  const now = useNow(1000);
  const [detail, setDetail] = useState<CaseDetail | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [stale, setStale] = useState<string | null>(null);
  const [presence, setPresence] = useState<Presence[]>([]);
  const etag = useRef<string | null>(null);
  const lastTyped = useRef(0);
  const lastPresenceTyping = useRef(false);
  const ownChange = useRef(false);
  const reply = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    etag.current = null;
    setDetail(null);
    setLoadError(null);
    setActionError(null);
    setStale(null);
    setPresence([]);
  }, [id]);

  const take = (next: CaseDetail) => {
    setDetail((old) => {
      if (old && OPEN.has(old.status) && !OPEN.has(next.status) && !ownChange.current) {
        const last = next.reasons[next.reasons.length - 1];
        setStale(`This case was ${next.status} elsewhere${last?.by ? ` by ${last.by}` : ""} while you had it open.`);
      }
      ownChange.current = false;
      return next;
    });
    if (next.presence) setPresence(next.presence);
  };

  const refresh = async () => {
    try {
      const answer = await api.case(id, etag.current);
      if (answer.changed) {
        etag.current = answer.etag;
        take(answer.data);
      }
      setLoadError(null);
    } catch (error) {
      setLoadError(error);
    }
  };
  usePoll(refresh, POLL_MS, [id]);

  // Presence: every ~10 s while the case is open here, and at once when typing starts or stops.
  const beat = async () => {
    const typing = Date.now() - lastTyped.current < TYPING_MS;
    lastPresenceTyping.current = typing;
    try {
      const answer = await api.presence(id, typing);
      if (answer) setPresence(answer.presence);
    } catch {
      // Presence is a courtesy: a failed beat is retried with the next one.
    }
  };
  usePoll(beat, PRESENCE_MS, [id]);
  useEffect(() => {
    const timer = window.setInterval(() => {
      const typing = Date.now() - lastTyped.current < TYPING_MS;
      if (typing !== lastPresenceTyping.current) beat();
    }, 1000);
    return () => window.clearInterval(timer);
  }, [id]);
  const onTyping = () => {
    lastTyped.current = Date.now();
  };

  const act = async (work: () => Promise<CaseDetail | null>) => {
    setActionError(null);
    ownChange.current = true;
    try {
      const next = await work();
      if (next) {
        etag.current = null;
        take(next);
      }
    } catch (error) {
      ownChange.current = false;
      setActionError(error);
      if (error instanceof ApiError && error.status === 409) refresh();
    }
  };

  const go = (step: 1 | -1) => {
    const next = neighbour(id, step);
    if (next) navigate(`/cases/${encodeURIComponent(next)}`);
  };
  const mine = detail?.assignee === me.agent_id;
  useShortcuts({
    j: () => go(1),
    k: () => go(-1),
    u: () => navigate("/"),
    r: () => reply.current?.focus(),
    c: () => detail && !mine && OPEN.has(detail.status) && act(() => api.claim(id)),
    e: () => detail && OPEN.has(detail.status) && act(() => api.resolve(id)),
  });

  if (!detail) {
    return (
      <main id="main" tabIndex={-1} class="case-view">
        <p>
          <a href="#/">← Cases</a>
        </p>
        {loadError ? <Notice>{explain(loadError)}</Notice> : <p class="muted">Loading the case…</p>}
      </main>
    );
  }

  const others = presence.filter((p) => p.agent_id !== me.agent_id);
  return (
    <main id="main" tabIndex={-1} class="case-view">
      <div class="case-head">
        <a href="#/">← Cases</a>
        <h1>
          <Handle customer={detail.customer} /> <span class="muted">{detail.channel === "dm" ? "direct message" : "public"}</span>
        </h1>
        <span class="chip">{detail.queue}</span>
        <span class={`chip status-${detail.status}`}>{detail.status.replace("_", " ")}</span>
        <span class="chip">{detail.assignee ? (mine ? "Yours" : `Held by ${detail.assignee}`) : "Unassigned"}</span>
      </div>
      <div role="status" class="presence" aria-live="polite">
        {others.map((p) => (
          <span key={p.agent_id} class={p.typing ? "presence-typing" : "presence-viewing"}>
            {presenceText(p)}
          </span>
        ))}
      </div>
      {stale && (
        <Notice kind="warning" onDismiss={() => setStale(null)}>
          {stale} Reopen it to carry on.
        </Notice>
      )}
      {loadError !== null && <Notice>{explain(loadError)} (showing the case as last loaded)</Notice>}
      {actionError !== null && <Notice onDismiss={() => setActionError(null)}>{explain(actionError)}</Notice>}

      <CaseActions detail={detail} act={act} onLeft={() => navigate("/")} onError={setActionError} />

      <div class="case-body">
        <div class="case-main">
          <Conversation detail={detail} />
          {OPEN.has(detail.status) ? (
            <Composer key={detail.id} detail={detail} onDelivered={refresh} onTyping={onTyping} boxRef={reply} />
          ) : (
            <p class="muted">This case is {detail.status}: reopen it to reply.</p>
          )}
          <NoteForm caseId={detail.id} onAdded={refresh} onError={setActionError} />
        </div>
        <aside class="case-side" aria-label="Case details">
          <CustomerPanel detail={detail} />
          <SlaPanel detail={detail} now={now} />
          <ClassificationPanel detail={detail} />
          <XCostPanel detail={detail} />
          <HistoryPanel detail={detail} />
        </aside>
      </div>
    </main>
  );
}

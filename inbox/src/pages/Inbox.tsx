import { useEffect, useRef, useState } from "preact/hooks";
import { useLocation } from "wouter-preact";
import { CaseRow } from "../components/CaseRow";
import { explain, Notice } from "../components/Notice";
import { rememberOrder } from "../lib/caseorder";
import { useApp } from "../lib/context";
import { usePoll, useNow } from "../lib/poll";
import { useShortcuts } from "../lib/shortcuts";
import type { CaseSummary, QueueSummary } from "../types";

const POLL_MS = 4000;
const STATUSES = [
  ["", "Open (any)"],
  ["queued", "Queued"],
  ["assigned", "Assigned"],
  ["pending_customer", "Waiting on customer"],
  ["resolved", "Resolved"],
  ["closed", "Closed"],
] as const;

function matches(item: CaseSummary, q: string): boolean {
  if (!q) return true;
  const needle = q.toLowerCase().replace(/^@/, "");
  return (
    item.customer.username.toLowerCase().includes(needle) ||
    item.customer.id === needle ||
    item.customer.name.toLowerCase().includes(needle) ||
    (item.first_line ?? "").toLowerCase().includes(needle)
  );
}

/** The agent's queues with their counts, and their cases, soonest SLA due first, kept fresh by polling. */
export function Inbox() {
  const { api, me } = useApp();
  const [, navigate] = useLocation();
  const now = useNow(1000);
  const [queues, setQueues] = useState<QueueSummary[] | null>(null);
  const [cases, setCases] = useState<CaseSummary[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [queue, setQueue] = useState(() => sessionStorage.getItem("carebird.filter.queue") ?? "");
  const [status, setStatus] = useState(() => sessionStorage.getItem("carebird.filter.status") ?? "");
  const [mine, setMine] = useState(() => sessionStorage.getItem("carebird.filter.mine") === "1");
  const [q, setQ] = useState("");
  const [selected, setSelected] = useState(0);
  const etags = useRef<{ queues: string | null; cases: string | null }>({ queues: null, cases: null });
  const search = useRef<HTMLInputElement>(null);

  useEffect(() => {
    sessionStorage.setItem("carebird.filter.queue", queue);
    sessionStorage.setItem("carebird.filter.status", status);
    sessionStorage.setItem("carebird.filter.mine", mine ? "1" : "0");
    etags.current.cases = null;
  }, [queue, status, mine, q]);

  usePoll(
    async () => {
      try {
        const [qs, cs] = await Promise.all([
          api.queues(etags.current.queues),
          api.cases({ queue, status, assignee: mine ? "me" : undefined, q: q.trim() || undefined }, etags.current.cases),
        ]);
        if (qs.changed) {
          etags.current.queues = qs.etag;
          setQueues(qs.data.queues);
        }
        if (cs.changed) {
          etags.current.cases = cs.etag;
          setCases(cs.data.cases);
        }
        setError(null);
      } catch (e) {
        setError(e);
      }
    },
    POLL_MS,
    [queue, status, mine, q],
  );

  const shown = (cases ?? []).filter((c) => matches(c, q.trim()));
  useEffect(() => rememberOrder(shown.map((c) => c.id)), [shown.map((c) => c.id).join(",")]);
  useEffect(() => {
    if (selected >= shown.length && shown.length) setSelected(shown.length - 1);
  }, [shown.length]);

  const focusRow = (index: number) => {
    setSelected(index);
    const link = document.querySelectorAll<HTMLAnchorElement>("ul.cases a")[index];
    link?.focus();
    link?.scrollIntoView({ block: "nearest" });
  };
  useShortcuts({
    j: () => shown.length && focusRow(Math.min(selected + 1, shown.length - 1)),
    k: () => shown.length && focusRow(Math.max(selected - 1, 0)),
    Enter: () => shown[selected] && navigate(`/cases/${encodeURIComponent(shown[selected].id)}`),
    "/": () => search.current?.focus(),
  });

  return (
    <main id="main" tabIndex={-1} class="inbox">
      <section class="queues" aria-labelledby="queues-title">
        <h2 id="queues-title">Queues</h2>
        {queues === null ? (
          <p class="muted">Loading…</p>
        ) : queues.length === 0 ? (
          <p class="muted">You work no queue yet: ask a supervisor to add you to one.</p>
        ) : (
          <ul class="queue-list">
            {queues.map((item) => (
              <li key={item.queue}>
                <button type="button" class={queue === item.queue ? "queue active" : "queue"} aria-pressed={queue === item.queue} onClick={() => setQueue(queue === item.queue ? "" : item.queue)}>
                  <span class="queue-name">{item.queue}</span>
                  <span class="counts">
                    <span>{item.open} open</span>
                    <span>{item.unassigned} unassigned</span>
                    <span class={item.at_risk - item.breached > 0 ? "sla-at_risk" : ""}>{item.at_risk - item.breached} at risk</span>
                    <span class={item.breached > 0 ? "sla-late" : ""}>{item.breached} late</span>
                  </span>
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>

      <section class="list" aria-labelledby="cases-title">
        <div class="list-head">
          <h1 id="cases-title">Cases</h1>
          <form class="filters" role="search" onSubmit={(e) => e.preventDefault()}>
            <label>
              Queue
              <select value={queue} onChange={(e) => setQueue(e.currentTarget.value)}>
                <option value="">{me.role === "supervisor" ? "All queues" : "All my queues"}</option>
                {(queues ?? []).map((item) => (
                  <option key={item.queue} value={item.queue}>
                    {item.queue}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Status
              <select value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
                {STATUSES.map(([value, label]) => (
                  <option key={value} value={value}>
                    {label}
                  </option>
                ))}
              </select>
            </label>
            <label class="check">
              <input type="checkbox" checked={mine} onChange={(e) => setMine(e.currentTarget.checked)} />
              Mine only
            </label>
            <label>
              Search
              <input ref={search} type="search" placeholder="@handle or text" value={q} onInput={(e) => setQ(e.currentTarget.value)} />
            </label>
          </form>
        </div>
        {error !== null && <Notice>{explain(error)} (retrying)</Notice>}
        {cases === null && error === null && <p class="muted">Loading cases…</p>}
        {cases !== null && shown.length === 0 && <p class="muted">No case matches. New cases appear here by themselves.</p>}
        <ul class="cases" aria-label="Cases">
          {shown.map((item, i) => (
            <CaseRow key={item.id} item={item} now={now} selected={i === selected} mine={item.assignee === me.agent_id} />
          ))}
        </ul>
      </section>
    </main>
  );
}

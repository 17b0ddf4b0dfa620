import { useEffect, useState } from "preact/hooks";
import { useApp } from "../lib/context";
import type { Agent, CaseDetail } from "../types";

const OPEN = new Set(["queued", "assigned", "pending_customer"]);

/** Claim / unclaim, resolve / reopen, and reassign to a queue or an agent. */
export function CaseActions({ detail, act, onLeft, onError }: { detail: CaseDetail; act: (work: () => Promise<CaseDetail | null>) => Promise<void>; onLeft: () => void; onError: (e: unknown) => void }) {
  const { api, me } = useApp();
  const [agents, setAgents] = useState<Agent[] | null>(null);
  const [queues, setQueues] = useState<string[]>(me.queues);
  const [target, setTarget] = useState("");
  const open = OPEN.has(detail.status);
  const mine = detail.assignee === me.agent_id;

  useEffect(() => {
    api.agents().then((a) => setAgents(a?.agents ?? null), () => setAgents(null));
    api.queues().then((q) => q.changed && setQueues(q.data.queues.map((x) => x.queue)), () => undefined);
  }, []);

  const reassign = async (event: Event) => {
    event.preventDefault();
    if (!target) return;
    const [kind, value] = target.split(":", 2);
    try {
      await api.reassign(detail.id, kind === "queue" ? { queue: value } : { agent_id: value }, "reassigned from the inbox");
      setTarget("");
      onLeft();
    } catch (error) {
      onError(error);
    }
  };

  return (
    <div class="actions" role="toolbar" aria-label="Case actions">
      {open && !mine && (
        <button type="button" class="primary" onClick={() => act(() => api.claim(detail.id))}>
          Claim
        </button>
      )}
      {open && mine && (
        <button type="button" onClick={() => act(() => api.unclaim(detail.id))}>
          Unclaim
        </button>
      )}
      {open && (
        <button type="button" onClick={() => act(() => api.resolve(detail.id))}>
          Resolve
        </button>
      )}
      {!open && (
        <button type="button" onClick={() => act(() => api.reopen(detail.id))}>
          Reopen
        </button>
      )}
      {open && (
        <form class="reassign" onSubmit={reassign}>
          <label>
            Reassign to
            <select value={target} onChange={(e) => setTarget(e.currentTarget.value)}>
              <option value="">Choose…</option>
              <optgroup label="Queues">
                {queues
                  .filter((q) => q !== detail.queue)
                  .map((q) => (
                    <option key={q} value={`queue:${q}`}>
                      {q}
                    </option>
                  ))}
              </optgroup>
              {agents && (
                <optgroup label="Agents">
                  {agents
                    .filter((a) => a.id !== detail.assignee)
                    .map((a) => (
                      <option key={a.id} value={`agent:${a.id}`}>
                        {a.name} ({a.open_cases}/{a.capacity}{a.available ? "" : ", away"})
                      </option>
                    ))}
                </optgroup>
              )}
            </select>
          </label>
          <button type="submit" disabled={!target}>
            Reassign
          </button>
        </form>
      )}
    </div>
  );
}

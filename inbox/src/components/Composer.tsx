import type { Ref } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError } from "../lib/api";
import { fill, placeholders } from "../lib/canned";
import { useApp } from "../lib/context";
import { loadDraft, newIdempotencyKey, saveDraft, type Draft, type PendingSend } from "../lib/drafts";
import { MAX_WEIGHTED_LENGTH, weigh, type Weighed } from "../lib/weight";
import type { CannedResponse, CaseDetail, Channel, Preview, ReplyView } from "../types";
import { explain } from "./Notice";
import { customerLabel } from "./CaseRow";

const PREVIEW_DELAY_MS = 400;
const REFUSALS = new Set(["reply_not_allowed", "dm_closed"]);

type Outcome =
  | { kind: "idle" }
  | { kind: "sending" }
  | { kind: "unconfirmed"; message: string } // keep the pending send: Retry reuses its key
  | { kind: "refused"; message: string } // X said no for good: nothing was posted
  | { kind: "sent"; view: ReplyView };

/**
 * The reply box: public reply or DM, X's weighted count, the thread preview and warnings, canned
 * responses, and a send that a retry can never double (the Idempotency-Key is kept with the draft).
 */
export function Composer({ detail, onDelivered, onTyping, boxRef }: { detail: CaseDetail; onDelivered: () => void; onTyping: () => void; boxRef: Ref<HTMLTextAreaElement> }) {
  const { api, me } = useApp();
  const [draft, setDraft] = useState<Draft>(() => loadDraft(me.agent_id, detail.id));
  const channel: Channel = draft.channel ?? (detail.channel === "dm" ? "dm" : "public");
  const [weighed, setWeighed] = useState<Weighed | null>(null);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [previewMissing, setPreviewMissing] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>(draft.pending ? { kind: "unconfirmed", message: "A send from before was not confirmed." } : { kind: "idle" });
  const [canned, setCanned] = useState<CannedResponse[]>([]);
  const [cannedId, setCannedId] = useState("");
  const [variables, setVariables] = useState<Record<string, string>>({});
  const latestText = useRef(draft.text);

  const update = (change: Partial<Draft>) => {
    setDraft((old) => {
      const next = { ...old, ...change };
      saveDraft(me.agent_id, detail.id, next);
      return next;
    });
  };

  useEffect(() => {
    api.canned().then((r) => setCanned(r.canned_responses), () => setCanned([]));
  }, []);

  // The live count, on every keystroke (twitter-text, loaded with the composer).
  useEffect(() => {
    latestText.current = draft.text;
    let current = true;
    weigh(draft.text).then((w) => current && setWeighed(w));
    return () => {
      current = false;
    };
  }, [draft.text]);

  // The thread preview and X's warnings, from the API, once the agent pauses.
  useEffect(() => {
    if (!draft.text.trim()) {
      setPreview(null);
      return;
    }
    const timer = window.setTimeout(async () => {
      try {
        const answer = await api.preview(detail.id, draft.text, channel);
        if (answer === null) setPreviewMissing(true);
        else if (latestText.current === draft.text) setPreview(answer);
      } catch {
        setPreview(null);
      }
    }, PREVIEW_DELAY_MS);
    return () => window.clearTimeout(timer);
  }, [draft.text, channel]);

  const chosen = canned.find((c) => c.id === cannedId) ?? null;
  // A value the case does not know (no profile from X: no name, no handle) is asked of the agent.
  const known: Record<string, string> = Object.fromEntries(
    Object.entries({
      customer_name: detail.customer.name,
      customer_handle: detail.customer.username ? `@${detail.customer.username}` : "",
      agent_name: me.name,
      case_id: detail.id,
    }).filter(([, value]) => value !== ""),
  );
  const asks = chosen ? placeholders(chosen.text).filter((name) => !(name in known)) : [];

  const insertCanned = () => {
    if (!chosen) return;
    const text = fill(chosen.text, { ...known, ...variables });
    update({ text: draft.text.trim() ? `${draft.text.trimEnd()}\n\n${text}` : text });
    setCannedId("");
    setVariables({});
  };

  const send = async (pending: PendingSend) => {
    update({ pending });
    setOutcome({ kind: "sending" });
    try {
      const view = await api.reply(detail.id, pending.text, pending.channel, pending.idempotencyKey);
      if (view.status === "sent") {
        update({ text: draft.text === pending.text ? "" : draft.text, pending: null });
        setOutcome({ kind: "sent", view });
      } else {
        setOutcome({ kind: "unconfirmed", message: "X has not confirmed every part yet. Retry checks again and never posts twice." });
      }
    } catch (error) {
      if (error instanceof ApiError && !error.transient && error.code !== "in_progress") {
        // Refused for good (X's rules, a closed case): nothing more will be posted for this key.
        update({ pending: null });
        setOutcome({ kind: "refused", message: explain(error) });
      } else {
        setOutcome({ kind: "unconfirmed", message: `${explain(error)} Your reply is kept: Retry sends it once.` });
      }
    } finally {
      onDelivered();
    }
  };

  const sendNow = (event?: Event) => {
    event?.preventDefault();
    if (!draft.text.trim() || outcome.kind === "sending") return;
    const same = draft.pending && draft.pending.text === draft.text && draft.pending.channel === channel;
    send(same && draft.pending ? draft.pending : { text: draft.text, channel, idempotencyKey: newIdempotencyKey() });
  };

  const weight = weighed?.weightedLength ?? 0;
  const parts = preview?.parts.length ?? Math.max(1, Math.ceil(weight / (MAX_WEIGHTED_LENGTH - 10)));
  const warnings = preview?.warnings.filter((w) => w.code !== "empty") ?? [];
  if (!preview && weighed?.hasLink)
    warnings.push({ code: "link_cost", message: "This reply contains a link: X bills a post with a link about 13 times a plain one." });
  const refusal = warnings.some((w) => REFUSALS.has(w.code));
  const label = channel === "dm" ? "Send DM" : parts > 1 ? `Send reply as a thread of ${parts}` : "Send reply";

  return (
    <form class="composer" onSubmit={sendNow} aria-labelledby="composer-title">
      <h2 id="composer-title">Answer {customerLabel(detail.customer)}</h2>
      <fieldset class="channel">
        <legend>Send as</legend>
        <label>
          <input type="radio" name="channel" value="public" checked={channel === "public"} onChange={() => update({ channel: "public" })} />
          Public, in their thread
        </label>
        <label>
          <input type="radio" name="channel" value="dm" checked={channel === "dm"} onChange={() => update({ channel: "dm" })} />
          Direct message
        </label>
      </fieldset>

      <label for="reply-box">Reply</label>
      <textarea
        id="reply-box"
        ref={boxRef}
        dir="auto"
        rows={5}
        value={draft.text}
        aria-describedby="reply-count"
        onInput={(e) => {
          update({ text: e.currentTarget.value });
          onTyping();
        }}
        onKeyDown={(e) => {
          if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) sendNow(e);
          if (e.key === "Escape") e.currentTarget.blur();
        }}
      />
      <p id="reply-count" class={weight > MAX_WEIGHTED_LENGTH ? "count over" : "count"} aria-live="polite">
        {channel === "dm"
          ? `${weight} characters (X weighting) in one direct message`
          : weight > MAX_WEIGHTED_LENGTH
            ? `${weight} / ${MAX_WEIGHTED_LENGTH}: sent as a numbered thread of ${parts} posts`
            : `${weight} / ${MAX_WEIGHTED_LENGTH}`}
        {preview ? ` · about $${preview.estimated_cost_usd.toFixed(3)}` : ""}
      </p>

      {canned.length > 0 && (
        <div class="canned">
          <label>
            Canned response
            <select value={cannedId} onChange={(e) => setCannedId(e.currentTarget.value)}>
              <option value="">Choose…</option>
              {canned.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.title}
                </option>
              ))}
            </select>
          </label>
          {asks.map((name) => (
            <label key={name}>
              {name.replace(/_/g, " ")}
              <input value={variables[name] ?? ""} onInput={(e) => setVariables({ ...variables, [name]: e.currentTarget.value })} />
            </label>
          ))}
          <button type="button" disabled={!chosen} onClick={insertCanned}>
            Insert
          </button>
        </div>
      )}

      {warnings.length > 0 && (
        <ul class="warnings" role="status" aria-label="Warnings">
          {warnings.map((w) => (
            <li key={w.code} class={REFUSALS.has(w.code) ? "warn-refuse" : "warn"}>
              {w.message}
            </li>
          ))}
        </ul>
      )}

      {preview && preview.parts.length > 1 && channel === "public" && (
        <details class="preview" open>
          <summary>Thread preview: {preview.parts.length} posts</summary>
          <ol>
            {preview.parts.map((p, i) => (
              <li key={i} dir="auto">
                <span class="part-text">{p.text}</span> <span class="muted">({p.weighted_length})</span>
              </li>
            ))}
          </ol>
        </details>
      )}
      {previewMissing && weight > MAX_WEIGHTED_LENGTH && <p class="muted">The thread preview is not available from this API; delivery splits it into numbered posts.</p>}

      {outcome.kind === "unconfirmed" && draft.pending && (
        <div class="notice notice-error" role="alert">
          <div class="notice-body">{outcome.message}</div>
          <button type="button" onClick={() => draft.pending && send(draft.pending)}>
            Retry
          </button>
        </div>
      )}
      {outcome.kind === "refused" && (
        <p class="notice notice-error" role="alert">
          Not sent: {outcome.message}
        </p>
      )}
      {outcome.kind === "sent" && (
        <p class="notice notice-info" role="status">
          {outcome.view.parts.length > 1 ? `Delivered as a thread of ${outcome.view.parts.length} posts.` : "Delivered."}
        </p>
      )}

      <div class="composer-actions">
        <button type="submit" class="primary" disabled={!draft.text.trim() || outcome.kind === "sending"}>
          {outcome.kind === "sending" ? "Sending…" : refusal ? `${label} anyway` : label}
        </button>
      </div>
    </form>
  );
}

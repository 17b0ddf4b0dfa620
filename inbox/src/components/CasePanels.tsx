// The case view's side panels: the customer, the SLA clocks, the classification and every decision.
import type { CaseDetail, ClockView } from "../types";
import { followers, Handle, hasProfile } from "./CaseRow";
import { Countdown } from "./Countdown";
import { when } from "../lib/time";
import { kindName, usd } from "../lib/xspend";

export function CustomerPanel({ detail }: { detail: CaseDetail }) {
  const c = detail.customer;
  return (
    <section class="panel" aria-labelledby="customer-title">
      <h2 id="customer-title">Customer</h2>
      <p>
        <Handle customer={c} linked />
      </p>
      <p dir="auto">{c.name}</p>
      {hasProfile(c) ? (
        <p>
          {followers(c.followers)} followers{c.verified ? " · verified" : ""}
        </p>
      ) : (
        <p class="muted">No profile from X: followers unknown.</p>
      )}
      {c.earlier_cases !== undefined && (
        <>
          <h3>Earlier cases</h3>
          {c.earlier_cases.length === 0 ? (
            <p class="muted">None.</p>
          ) : (
            <ul class="earlier">
              {c.earlier_cases.map((e) => (
                <li key={e.id}>
                  <a href={`#/cases/${encodeURIComponent(e.id)}`}>{when(e.opened_at)}</a> {e.status}
                  {e.csat !== null ? ` · CSAT ${e.csat}/5` : " · no CSAT"}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}

function Clock({ name, clock, now }: { name: string; clock: ClockView | null; now: number }) {
  if (!clock) return null;
  return (
    <tr>
      <th scope="row">{name}</th>
      <td>
        {clock.state === "running" && clock.due_at ? <Countdown due={clock.due_at} answered={null} now={now} /> : clock.state}
      </td>
    </tr>
  );
}

export function SlaPanel({ detail, now }: { detail: CaseDetail; now: number }) {
  const sla = detail.sla;
  return (
    <section class="panel" aria-labelledby="sla-title">
      <h2 id="sla-title">SLA</h2>
      <table class="kv">
        <tbody>
          <tr>
            <th scope="row">First response</th>
            <td>
              {sla.state === "running" || (sla.state === "breached" && !sla.stopped_at) ? (
                <Countdown due={sla.due_at} answered={null} atRisk={detail.at_risk_at} now={now} />
              ) : sla.state === "met" ? (
                `met ${when(sla.stopped_at)}`
              ) : (
                sla.state
              )}
            </td>
          </tr>
          <Clock name="Next response" clock={sla.next_response} now={now} />
          <Clock name="Resolution" clock={sla.resolution} now={now} />
        </tbody>
      </table>
    </section>
  );
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) return value.map(describe).join("; ");
  if (typeof value === "object") {
    const v = value as Record<string, unknown>;
    if ("label" in v) return `${v.label}${typeof v.score === "number" ? ` (${(v.score as number).toFixed(2)})` : ""}`;
    return JSON.stringify(value);
  }
  return String(value);
}

export function ClassificationPanel({ detail }: { detail: CaseDetail }) {
  const entries = Object.entries(detail.classification ?? {});
  return (
    <section class="panel" aria-labelledby="class-title">
      <h2 id="class-title">Classification</h2>
      <table class="kv">
        <tbody>
          <tr>
            <th scope="row">Priority</th>
            <td>
              {detail.priority} ({detail.priority_score.toFixed(2)})
            </td>
          </tr>
          {entries.map(([key, value]) => (
            <tr key={key}>
              <th scope="row">{key}</th>
              <td dir="auto">{describe(value)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** What the conversation cost on X so far, by kind (a link in a reply is most of it when there is one). */
export function XCostPanel({ detail }: { detail: CaseDetail }) {
  const cost = detail.x_cost;
  if (!cost) return null;
  return (
    <section class="panel" aria-labelledby="xcost-title">
      <h2 id="xcost-title">X cost</h2>
      <table class="kv" aria-label="What this conversation cost on X">
        <tbody>
          {cost.items.map((item) => (
            <tr key={item.kind}>
              <th scope="row">
                {kindName(item.kind)} × {item.units}
              </th>
              <td>{usd(item.usd)}</td>
            </tr>
          ))}
          <tr>
            <th scope="row">Total</th>
            <td>
              <strong>{usd(cost.total_usd)}</strong>
            </td>
          </tr>
        </tbody>
      </table>
      <p class="muted">Not counted here: {cost.left_out}.</p>
    </section>
  );
}

export function HistoryPanel({ detail }: { detail: CaseDetail }) {
  return (
    <section class="panel" aria-labelledby="history-title">
      <h2 id="history-title">Decisions</h2>
      <ol class="history">
        {detail.reasons.map((d, i) => (
          <li key={i}>
            <time dateTime={d.at}>{when(d.at)}</time> <strong>{d.kind}</strong> {d.value}
            {d.by ? ` by ${d.by}` : ""}
            {d.reason && (
              <span class="reason" dir="auto">
                {" "}
                — {d.reason}
              </span>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}

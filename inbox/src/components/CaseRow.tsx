import type { CaseSummary, Customer } from "../types";
import { Countdown } from "./Countdown";

export function followers(n: number): string {
  if (n >= 1_000_000) return `${(n / 1_000_000).toFixed(1)}M`;
  if (n >= 10_000) return `${Math.round(n / 1000)}k`;
  if (n >= 1000) return `${(n / 1000).toFixed(1)}k`;
  return String(n);
}

/** Who wrote, as the desk names them: their @handle, or, when X returned no profile for the account
 * (suspended, deleted or withheld), its id: the case still reaches a person, who can open it on X. */
export function customerLabel(customer: Pick<Customer, "id" | "username">): string {
  return customer.username ? `@${customer.username}` : `X user ${customer.id}`;
}

/** Whether X returned the account's profile: without it the followers count is unknown, not zero. */
export function hasProfile(customer: Pick<Customer, "username">): boolean {
  return customer.username !== "";
}

/** The customer's handle; without a profile, their account's id, linked to it on X when `linked` (not
 * inside a case row, itself a link). */
export function Handle({ customer, linked = false }: { customer: CaseSummary["customer"]; linked?: boolean }) {
  if (!hasProfile(customer))
    return !linked ? (
      <span class="handle">{customerLabel(customer)}</span>
    ) : (
      <a class="handle" href={`https://x.com/i/user/${encodeURIComponent(customer.id)}`} target="_blank" rel="noreferrer" title="X returned no profile for this account (suspended, deleted or withheld)">
        {customerLabel(customer)}
      </a>
    );
  return (
    <span class="handle">
      @{customer.username}
      {customer.verified && (
        <span class="verified" role="img" aria-label="verified" title="Verified on X">
          ✓
        </span>
      )}
    </span>
  );
}

const CLOCK_NAMES: Record<string, string> = { next_response: "Next response", resolution: "Resolution" };

/** The clock the case races now, as the API names it; an older API gives only the first response. */
export function CaseClock({ item, now }: { item: CaseSummary; now: number }) {
  if (item.due_clock === undefined)
    return <Countdown due={item.first_response_due} answered={item.first_response_at} now={now} />;
  return (
    <>
      {item.due_clock && CLOCK_NAMES[item.due_clock] && <span class="clock-name">{CLOCK_NAMES[item.due_clock]}</span>}
      <Countdown due={item.due_at ?? null} answered={null} atRisk={item.at_risk_at} now={now} />
    </>
  );
}

/** One entry of the case list: a link to the case that reads well aloud. */
export function CaseRow({ item, now, selected, mine }: { item: CaseSummary; now: number; selected: boolean; mine: boolean }) {
  return (
    <li class={selected ? "case selected" : "case"} aria-current={selected ? "true" : undefined}>
      <a href={`#/cases/${encodeURIComponent(item.id)}`} data-case-id={item.id}>
        <span class="row1">
          <CaseClock item={item} now={now} />
          <span class={`priority priority-${item.priority}`}>{item.priority}</span>
          <Handle customer={item.customer} />
          {hasProfile(item.customer) && <span class="muted">{followers(item.customer.followers)} followers</span>}
          <span class="chip">{item.channel === "dm" ? "DM" : "Public"}</span>
          {item.sentiment && <span class={`chip sentiment-${item.sentiment}`}>{item.sentiment}</span>}
          {item.language && <span class="chip">{item.language}</span>}
          <span class="chip">{item.queue}</span>
          <span class="status">{item.status.replace("_", " ")}</span>
          {item.assignee && <span class="assignee">{mine ? "yours" : `held by ${item.assignee}`}</span>}
        </span>
        {item.first_line && (
          <span class="row2" dir="auto">
            {item.first_line}
          </span>
        )}
      </a>
    </li>
  );
}

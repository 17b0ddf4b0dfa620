import type { CaseDetail, Message, PartView } from "../types";
import { when } from "../lib/time";
import { TweetText } from "./TweetText";
import { customerLabel } from "./CaseRow";

const PART_LABEL: Record<string, string> = {
  pending: "sending",
  sent: "delivered",
  failed: "failed",
  not_sent: "not sent",
};

function Part({ part, position, total }: { part: PartView; position: number; total: number }) {
  return (
    <li class={`part part-${part.status}`}>
      <TweetText text={part.text} />
      <span class={`delivery delivery-${part.status}`}>
        {total > 1 ? `Part ${position}/${total}: ` : ""}
        {PART_LABEL[part.status] ?? part.status}
        {part.error ? ` (${part.error})` : ""}
      </span>
    </li>
  );
}

function Entry({ message, detail }: { message: Message; detail: CaseDetail }) {
  // No accessible name here says "Reply": that name belongs to the reply box alone.
  const who =
    message.direction === "in"
      ? customerLabel(detail.customer)
      : message.direction === "note"
        ? `${message.author_id} (internal)`
        : `${message.author_id} for the brand`;
  const kind = message.direction === "note" ? "Internal note" : message.channel === "dm" ? "Direct message" : "Public post";
  const delivery = message.delivery;
  return (
    <li class={`msg msg-${message.direction}`} aria-label={`${kind} from ${who}`}>
      <div class="msg-head">
        <strong>{who}</strong>
        <span class="chip">{kind}</span>
        <time dateTime={message.created_at}>{when(message.created_at)}</time>
        {delivery && (
          <span class={`delivery delivery-${delivery.status}`} data-delivery={delivery.status}>
            {delivery.status === "sent"
              ? delivery.parts.length > 1
                ? `Delivered as a thread of ${delivery.parts.length}`
                : "Delivered"
              : delivery.status === "pending"
                ? "Sending…"
                : `Failed: ${delivery.error ?? delivery.error_code ?? "X did not take it"}`}
          </span>
        )}
      </div>
      {delivery && delivery.parts.length > 1 ? (
        <ol class="parts">
          {delivery.parts.map((part, i) => (
            <Part key={part.index} part={part} position={i + 1} total={delivery.parts.length} />
          ))}
        </ol>
      ) : (
        <TweetText text={message.text} />
      )}
    </li>
  );
}

/** The whole conversation in order: the customer's posts and DMs, the brand's replies, notes set apart. */
export function Conversation({ detail }: { detail: CaseDetail }) {
  const ordered = [...detail.thread].sort((a, b) => a.created_at.localeCompare(b.created_at));
  return (
    <ol class="conversation" aria-label="Conversation">
      {ordered.map((message) => (
        <Entry key={message.id} message={message} detail={detail} />
      ))}
    </ol>
  );
}

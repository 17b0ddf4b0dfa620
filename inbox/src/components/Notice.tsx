import type { ComponentChildren } from "preact";
import { ApiError } from "../lib/api";

/** What an API refusal means for the agent, in words. */
export function explain(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.code === "claimed_by_other") return `${error.holder ?? "Another agent"} has this case: ${error.message}`;
    if (error.status === 403) return `Not allowed: ${error.message}`;
    if (error.status === 404) return `Not found: ${error.message}`;
    if (error.status === 409) return `This case changed: ${error.message}`;
    if (error.status === 0) return "The API could not be reached. Check your connection; nothing was lost.";
    if (error.status >= 500) return `The service had a problem (HTTP ${error.status}): ${error.message}`;
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

export function Notice({ kind = "error", children, onDismiss }: { kind?: "error" | "info" | "warning"; children: ComponentChildren; onDismiss?: () => void }) {
  return (
    <div class={`notice notice-${kind}`} role={kind === "error" ? "alert" : "status"}>
      <div class="notice-body">{children}</div>
      {onDismiss && (
        <button type="button" class="link" onClick={onDismiss}>
          Dismiss
        </button>
      )}
    </div>
  );
}

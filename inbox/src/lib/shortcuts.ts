// Single-key shortcuts, as in Gmail and Zendesk. They never fire while the agent types in a field or
// holds a modifier (so the browser's own shortcuts keep working).
import { useEffect, useRef } from "preact/hooks";

export const SHORTCUTS: { keys: string; what: string }[] = [
  { keys: "j", what: "Next case" },
  { keys: "k", what: "Previous case" },
  { keys: "Enter", what: "Open the selected case (case list)" },
  { keys: "r", what: "Write a reply" },
  { keys: "c", what: "Claim the case" },
  { keys: "e", what: "Resolve the case" },
  { keys: "u", what: "Back to the case list" },
  { keys: "/", what: "Search cases" },
  { keys: "Ctrl+Enter", what: "Send the reply (in the reply box)" },
  { keys: "?", what: "Show or hide this list" },
  { keys: "Esc", what: "Close this list, or leave the reply box" },
];

export function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || !el.tagName) return false;
  const tag = el.tagName.toLowerCase();
  return tag === "input" || tag === "textarea" || tag === "select" || el.isContentEditable;
}

/** Calls handlers[key] for keydown events outside fields. The latest handlers are used on each key. */
export function useShortcuts(handlers: Record<string, () => void>): void {
  const current = useRef(handlers);
  current.current = handlers;
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
      if (isTyping(event.target)) return;
      const handler = current.current[event.key];
      if (handler) {
        event.preventDefault();
        handler();
      }
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);
}

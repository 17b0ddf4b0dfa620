import { useState } from "preact/hooks";
import { useApp } from "../lib/context";

/** An internal note: agents only, never sent to the customer. */
export function NoteForm({ caseId, onAdded, onError }: { caseId: string; onAdded: () => void; onError: (e: unknown) => void }) {
  const { api } = useApp();
  const [text, setText] = useState("");
  const [busy, setBusy] = useState(false);
  const add = async (event: Event) => {
    event.preventDefault();
    if (!text.trim()) return;
    setBusy(true);
    try {
      await api.note(caseId, text);
      setText("");
      onAdded();
    } catch (error) {
      onError(error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="note-form" onSubmit={add}>
      <label for="note-box">Internal note (agents only)</label>
      <textarea id="note-box" dir="auto" rows={2} value={text} onInput={(e) => setText(e.currentTarget.value)} />
      <button type="submit" disabled={busy || !text.trim()}>
        Add note
      </button>
    </form>
  );
}

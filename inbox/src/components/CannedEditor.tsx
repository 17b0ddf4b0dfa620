// The brand's canned responses, edited by a supervisor: change a title or text, add one, delete one.
import { useEffect, useState } from "preact/hooks";
import { useApp } from "../lib/context";
import type { CannedResponse } from "../types";
import { explain, Notice } from "./Notice";

const ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;

function CannedForm({ item, onSaved, onDeleted }: { item: CannedResponse | null; onSaved: () => void; onDeleted?: () => void }) {
  const { api } = useApp();
  const [id, setId] = useState(item?.id ?? "");
  const [title, setTitle] = useState(item?.title ?? "");
  const [text, setText] = useState(item?.text ?? "");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const label = item ? `canned response ${item.id}` : "new canned response";
  const save = async (event: Event) => {
    event.preventDefault();
    if (!item && !ID.test(id)) {
      setError(new Error("The id is lower-case letters, digits, - and _ (up to 64)."));
      return;
    }
    setBusy(true);
    try {
      await api.putCanned(item ? item.id : id, title, text);
      setError(null);
      if (!item) {
        setId("");
        setTitle("");
        setText("");
      }
      onSaved();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const remove = async () => {
    if (!item) return;
    setBusy(true);
    try {
      await api.deleteCanned(item.id);
      onDeleted?.();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="canned-form" onSubmit={save} aria-label={label}>
      {!item && (
        <label>
          Id <input value={id} onInput={(e) => setId(e.currentTarget.value)} required />
        </label>
      )}
      <label>
        Title <input value={title} onInput={(e) => setTitle(e.currentTarget.value)} required />
      </label>
      <label>
        Text <textarea rows={2} value={text} onInput={(e) => setText(e.currentTarget.value)} required />
      </label>
      <div class="actions">
        <button type="submit" disabled={busy}>
          {item ? `Save ${item.id}` : "Add canned response"}
        </button>
        {item && (
          <button type="button" disabled={busy} onClick={remove}>
            Delete {item.id}
          </button>
        )}
      </div>
      {error !== null && <Notice>{explain(error)}</Notice>}
    </form>
  );
}

export function CannedEditor() {
  const { api } = useApp();
  const [items, setItems] = useState<CannedResponse[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = () =>
    api.canned().then(
      (answer) => (setItems(answer.canned_responses), setError(null)),
      (e) => setError(e),
    );
  useEffect(() => void load(), []);
  return (
    <section aria-labelledby="canned-title" class="panel">
      <h2 id="canned-title">Canned responses</h2>
      <p class="muted">Placeholders such as {"{name}"} are filled in when an agent uses one.</p>
      {error !== null && <Notice>{explain(error)}</Notice>}
      {items?.map((item) => <CannedForm key={`${item.id}:${item.title}:${item.text}`} item={item} onSaved={load} onDeleted={load} />)}
      <h3>Add one</h3>
      <CannedForm item={null} onSaved={load} />
    </section>
  );
}

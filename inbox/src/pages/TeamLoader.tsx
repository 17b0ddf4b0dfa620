// The team view's code (and Chart.js) is fetched only when a supervisor opens it: agents never load it.
import type { FunctionComponent } from "preact";
import { useEffect, useState } from "preact/hooks";
import { explain, Notice } from "../components/Notice";

export function TeamLoader() {
  const [Page, setPage] = useState<FunctionComponent | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    import("./Team").then((module) => setPage(() => module.Team), setError);
  }, []);
  if (error !== null) return <Notice>The team view could not be loaded: {explain(error)}</Notice>;
  return Page ? <Page /> : <p class="muted">Loading the team view…</p>;
}

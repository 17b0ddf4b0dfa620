// The signed-in app: who the agent is, the header, and the pages. Pages are hash routes (#/cases/<id>),
// so the function serving the inbox needs no fallback for client-side paths. Add a page by adding a
// <Route> below and, for the header, an entry to NAV in components/Header.tsx.
import { useEffect, useState } from "preact/hooks";
import { Route, Router, Switch } from "wouter-preact";
import { useHashLocation } from "wouter-preact/use-hash-location";
import { Header } from "./components/Header";
import { explain, Notice } from "./components/Notice";
import { ShortcutsHelp } from "./components/ShortcutsHelp";
import type { AgentApi } from "./lib/api";
import type { Auth } from "./lib/auth";
import { AppContext } from "./lib/context";
import { useShortcuts } from "./lib/shortcuts";
import { CaseView } from "./pages/CaseView";
import { Inbox } from "./pages/Inbox";
import { SignIn } from "./pages/SignIn";
import { TeamLoader } from "./pages/TeamLoader";
import type { Me } from "./types";

function SignedIn({ api, auth }: { api: AgentApi; auth: Auth }) {
  const [me, setMe] = useState<Me | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [help, setHelp] = useState(false);
  useEffect(() => {
    api.me().then(setMe, setError);
  }, []);
  useShortcuts({ "?": () => setHelp((h) => !h) });
  if (!me)
    return (
      <main class="boot">
        {error ? <Notice>Your agent record could not be read: {explain(error)}</Notice> : <p class="muted">Loading…</p>}
        {error !== null && (
          <button type="button" onClick={() => auth.signOut()}>
            Sign out
          </button>
        )}
      </main>
    );
  return (
    <AppContext.Provider value={{ api, auth, me }}>
      <Router hook={useHashLocation}>
        <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById("main")?.focus())}>
          Skip to content
        </a>
        <Header onHelp={() => setHelp(true)} />
        <Switch>
          <Route path="/team">
            <TeamLoader />
          </Route>
          <Route path="/cases/:id">{(params) => <CaseView id={decodeURIComponent(params.id)} />}</Route>
          <Route>
            <Inbox />
          </Route>
        </Switch>
        {help && <ShortcutsHelp onClose={() => setHelp(false)} />}
      </Router>
    </AppContext.Provider>
  );
}

export function App({ api, auth }: { api: AgentApi; auth: Auth }) {
  const [, rerender] = useState(0);
  useEffect(() => auth.subscribe(() => rerender((n) => n + 1)), []);
  if (!auth.session) return <SignIn auth={auth} />;
  return (
    <>
      <div aria-hidden={auth.expired ? "true" : undefined} inert={auth.expired}>
        <SignedIn key={auth.session.username} api={api} auth={auth} />
      </div>
      {auth.expired && (
        <div class="overlay">
          <div role="dialog" aria-modal="true" aria-label="Sign in again" class="dialog">
            <SignIn auth={auth} again />
          </div>
        </div>
      )}
    </>
  );
}

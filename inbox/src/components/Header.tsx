import { useApp } from "../lib/context";
import type { Me } from "../types";

/** The header's links: a page adds its entry here (and its <Route> in App.tsx); `show` limits it to some roles. */
export const NAV: { href: string; label: string; show?: (me: Me) => boolean }[] = [
  { href: "#/", label: "Cases" },
  { href: "#/team", label: "Team", show: (me) => me.role === "supervisor" },
];

export function Header({ onHelp }: { onHelp: () => void }) {
  const { me, auth } = useApp();
  return (
    <header class="topbar">
      <a class="brand" href="#/">
        carebird inbox
      </a>
      <nav aria-label="Main">
        {NAV.filter((item) => !item.show || item.show(me)).map((item) => (
          <a key={item.href} href={item.href}>
            {item.label}
          </a>
        ))}
      </nav>
      <span class="who">
        {me.name || me.agent_id} <span class="role">({me.role})</span>
      </span>
      <button type="button" class="link" onClick={onHelp} aria-label="Keyboard shortcuts">
        ?
      </button>
      <button type="button" onClick={() => auth.signOut()}>
        Sign out
      </button>
    </header>
  );
}

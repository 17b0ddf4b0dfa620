import { useApp } from "../lib/context";

export function Header({ onHelp }: { onHelp: () => void }) {
  const { me, auth } = useApp();
  return (
    <header class="topbar">
      <a class="brand" href="#/">
        carebird inbox
      </a>
      <nav aria-label="Main">
        <a href="#/">Cases</a>
        {me.role === "supervisor" && <a href="#/team">Team</a>}
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

import { useState } from "preact/hooks";
import type { Auth } from "../lib/auth";

/**
 * Username and password, then (on a first sign-in with a temporary password) a new password. Used as the
 * start page and, in place over the open page, when a session has expired.
 */
export function SignIn({ auth, again = false }: { auth: Auth; again?: boolean }) {
  const [username, setUsername] = useState(auth.session?.username ?? "");
  const [password, setPassword] = useState("");
  const [challenge, setChallenge] = useState<{ username: string; session: string } | null>(null);
  const [newPassword, setNewPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setError(null);
    setBusy(true);
    try {
      if (challenge) {
        if (newPassword !== confirm) throw new Error("The two new passwords differ.");
        await auth.completeNewPassword(challenge.username, newPassword, challenge.session);
      } else {
        const result = await auth.signIn(username.trim(), password);
        if (result.kind === "new_password_required") {
          setChallenge({ username: result.username, session: result.challengeSession });
          setPassword("");
        }
      }
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  // Over an open page (again) the form sits in a dialog: the page already has its main landmark.
  const Wrapper = again ? "div" : "main";
  return (
    <Wrapper class="signin">
      <form class="card" onSubmit={submit} aria-labelledby="signin-title">
        <h1 id="signin-title">{challenge ? "Choose a new password" : again ? "Your session expired" : "carebird inbox"}</h1>
        {again && !challenge && <p>Sign in again to carry on: your draft replies are kept.</p>}
        {challenge ? (
          <>
            <p>This is your first sign-in: choose your own password (12 characters or more, with upper and lower case letters and a digit).</p>
            <label for="new-password">New password</label>
            <input id="new-password" type="password" autocomplete="new-password" required value={newPassword} onInput={(e) => setNewPassword(e.currentTarget.value)} />
            <label for="confirm-password">Repeat the new password</label>
            <input id="confirm-password" type="password" autocomplete="new-password" required value={confirm} onInput={(e) => setConfirm(e.currentTarget.value)} />
          </>
        ) : (
          <>
            <label for="username">Username</label>
            <input id="username" autocomplete="username" required autoFocus value={username} onInput={(e) => setUsername(e.currentTarget.value)} />
            <label for="password">Password</label>
            <input id="password" type="password" autocomplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
          </>
        )}
        {error && (
          <p class="form-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy}>
          {challenge ? "Set password and sign in" : "Sign in"}
        </button>
      </form>
    </Wrapper>
  );
}

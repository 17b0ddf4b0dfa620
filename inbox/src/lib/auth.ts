// Sign-in with the agents' Cognito user pool: USER_PASSWORD_AUTH, the first-login password change
// (NEW_PASSWORD_REQUIRED), token refresh and sign-out, through AWS's own SDK client (loaded on demand, so
// the case list does not wait for it once a session exists). The API takes the ID token.
import type { InboxConfig } from "./config";

export interface Session {
  username: string;
  idToken: string;
  accessToken: string;
  refreshToken: string;
  expiresAt: number; // ms since the epoch
}

export type SignInResult =
  | { kind: "signed_in"; session: Session }
  | { kind: "new_password_required"; username: string; challengeSession: string };

export class SignInError extends Error {}

const STORAGE_KEY = "carebird.session";
const REFRESH_MARGIN_MS = 60_000;

type Listener = () => void;

function tokenExpiry(idToken: string): number {
  try {
    const payload = JSON.parse(atob(idToken.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
    return Number(payload.exp) * 1000;
  } catch {
    return Date.now() + 5 * 60_000;
  }
}

function friendly(error: unknown): SignInError {
  const name = (error as { name?: string })?.name ?? "";
  const message = (error as { message?: string })?.message ?? String(error);
  if (name === "NotAuthorizedException" || name === "UserNotFoundException")
    return new SignInError("Wrong username or password.");
  if (name === "InvalidPasswordException") return new SignInError(`The new password is not accepted: ${message}`);
  if (name === "PasswordResetRequiredException")
    return new SignInError("Your password must be reset: ask your supervisor.");
  if (name === "TypeError" || /fetch|network/i.test(message))
    return new SignInError("Cannot reach the sign-in service. Check your connection and try again.");
  return new SignInError(message || "Sign-in failed.");
}

export class Auth {
  private current: Session | null;
  private listeners = new Set<Listener>();
  private waiting: { resolve: () => void }[] = [];
  /** True while a request found the session expired and waits for the agent to sign in again. */
  expired = false;

  constructor(private readonly config: InboxConfig) {
    this.current = Auth.load();
  }

  private static load(): Session | null {
    try {
      const raw = localStorage.getItem(STORAGE_KEY);
      return raw ? (JSON.parse(raw) as Session) : null;
    } catch {
      return null;
    }
  }

  get session(): Session | null {
    return this.current;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private set(session: Session | null): void {
    this.current = session;
    if (session) localStorage.setItem(STORAGE_KEY, JSON.stringify(session));
    else localStorage.removeItem(STORAGE_KEY);
    if (session && this.expired) {
      this.expired = false;
      for (const w of this.waiting.splice(0)) w.resolve();
    }
    this.listeners.forEach((l) => l());
  }

  private async client() {
    const sdk = await import("@aws-sdk/client-cognito-identity-provider");
    const client = new sdk.CognitoIdentityProviderClient({
      region: this.config.region,
      endpoint: this.config.cognito_endpoint,
    });
    return { sdk, client };
  }

  private sessionFrom(username: string, result: { IdToken?: string; AccessToken?: string; RefreshToken?: string }, refreshToken?: string): Session {
    const idToken = result.IdToken ?? "";
    return {
      username,
      idToken,
      accessToken: result.AccessToken ?? "",
      refreshToken: result.RefreshToken ?? refreshToken ?? "",
      expiresAt: tokenExpiry(idToken),
    };
  }

  async signIn(username: string, password: string): Promise<SignInResult> {
    try {
      const { sdk, client } = await this.client();
      const answer = await client.send(
        new sdk.InitiateAuthCommand({
          AuthFlow: "USER_PASSWORD_AUTH",
          ClientId: this.config.client_id,
          AuthParameters: { USERNAME: username, PASSWORD: password },
        }),
      );
      if (answer.ChallengeName === "NEW_PASSWORD_REQUIRED" && answer.Session)
        return { kind: "new_password_required", username, challengeSession: answer.Session };
      if (!answer.AuthenticationResult?.IdToken)
        throw new SignInError(`Sign-in needs a step this page does not support (${answer.ChallengeName}).`);
      const session = this.sessionFrom(username, answer.AuthenticationResult);
      this.set(session);
      return { kind: "signed_in", session };
    } catch (error) {
      throw error instanceof SignInError ? error : friendly(error);
    }
  }

  async completeNewPassword(username: string, newPassword: string, challengeSession: string): Promise<Session> {
    try {
      const { sdk, client } = await this.client();
      const answer = await client.send(
        new sdk.RespondToAuthChallengeCommand({
          ChallengeName: "NEW_PASSWORD_REQUIRED",
          ClientId: this.config.client_id,
          Session: challengeSession,
          ChallengeResponses: { USERNAME: username, NEW_PASSWORD: newPassword },
        }),
      );
      if (!answer.AuthenticationResult?.IdToken) throw new SignInError("The password change did not sign you in.");
      const session = this.sessionFrom(username, answer.AuthenticationResult);
      this.set(session);
      return session;
    } catch (error) {
      throw error instanceof SignInError ? error : friendly(error);
    }
  }

  /** A new ID token from the refresh token; false when the refresh token is no longer good. */
  async refresh(): Promise<boolean> {
    const old = this.current;
    if (!old?.refreshToken) return false;
    try {
      const { sdk, client } = await this.client();
      const answer = await client.send(
        new sdk.InitiateAuthCommand({
          AuthFlow: "REFRESH_TOKEN_AUTH",
          ClientId: this.config.client_id,
          AuthParameters: { REFRESH_TOKEN: old.refreshToken },
        }),
      );
      if (!answer.AuthenticationResult?.IdToken) return false;
      this.set(this.sessionFrom(old.username, answer.AuthenticationResult, old.refreshToken));
      return true;
    } catch {
      return false;
    }
  }

  /** The ID token for the API, refreshed shortly before it expires; null when signed out. */
  async idToken(): Promise<string | null> {
    if (!this.current) return null;
    if (this.current.expiresAt - Date.now() < REFRESH_MARGIN_MS) await this.refresh();
    return this.current?.idToken ?? null;
  }

  /**
   * The API said 401: try the refresh token, else ask the agent to sign in again in place (the page and
   * its drafts stay as they are) and resolve once they have.
   */
  async reauthenticate(): Promise<void> {
    if (await this.refresh()) return;
    this.expired = true;
    this.listeners.forEach((l) => l());
    return new Promise((resolve) => this.waiting.push({ resolve }));
  }

  async signOut(): Promise<void> {
    const old = this.current;
    this.set(null);
    if (!old?.refreshToken) return;
    try {
      const { sdk, client } = await this.client();
      await client.send(new sdk.RevokeTokenCommand({ ClientId: this.config.client_id, Token: old.refreshToken }));
    } catch {
      // Signed out on this device either way; a refresh token that outlives it expires on its own.
    }
  }
}

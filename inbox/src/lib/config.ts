// Where the page finds the API and the user pool. The page is served by the agent API itself, at
// <stage>/inbox/ (https://<api>.execute-api.<region>.amazonaws.com/v1/inbox/ on AWS, the same path on the
// local stack), so the API is the page's own origin and the path before /inbox/.

export interface InboxConfig {
  region: string;
  user_pool_id: string;
  client_id: string;
  cognito_endpoint: string;
}

/** "/v1/inbox/" -> "/v1/"; "/inbox/index.html" -> "/". */
export function apiBaseFor(pathname: string): string {
  const at = pathname.lastIndexOf("/inbox");
  return at < 0 ? "/" : pathname.slice(0, at + 1);
}

export async function loadConfig(): Promise<InboxConfig> {
  const response = await fetch("./config.json", { cache: "no-store" });
  if (!response.ok) throw new Error(`the inbox's configuration did not load (HTTP ${response.status})`);
  return (await response.json()) as InboxConfig;
}

// What every page gets: the API client, the sign-in, and who is signed in.
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { AgentApi } from "./api";
import type { Auth } from "./auth";
import type { Me } from "../types";

export interface AppServices {
  api: AgentApi;
  auth: Auth;
  me: Me;
}

export const AppContext = createContext<AppServices | null>(null);

export function useApp(): AppServices {
  const services = useContext(AppContext);
  if (!services) throw new Error("useApp outside the signed-in app");
  return services;
}

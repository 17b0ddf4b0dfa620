import { render } from "preact";
import { App } from "./App";
import { AgentApi } from "./lib/api";
import { Auth } from "./lib/auth";
import { apiBaseFor, loadConfig } from "./lib/config";
import "./styles.css";

async function start(root: HTMLElement): Promise<void> {
  try {
    const config = await loadConfig();
    const auth = new Auth(config);
    const api = new AgentApi(apiBaseFor(location.pathname), auth);
    root.textContent = "";
    render(<App api={api} auth={auth} />, root);
  } catch (error) {
    root.textContent = `The inbox could not start: ${(error as Error).message}`;
  }
}

start(document.getElementById("app")!);

// The agent inbox's build: served by the agent API function from functions/reply/inbox/, so `sam build`
// ships it with the function. Paths are relative (base "./"): the page works under any stage prefix
// (/v1/inbox/ on AWS, /v1/inbox/ on the local stack).
import { fileURLToPath } from "node:url";
import preact from "@preact/preset-vite";
import { defineConfig } from "vite";

const here = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  root: here,
  base: "./",
  plugins: [preact()],
  build: {
    outDir: fileURLToPath(new URL("../functions/reply/inbox", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
    // Inline nothing as a data: URL: every asset is a file the function serves with its own type.
    assetsInlineLimit: 0,
    sourcemap: false,
  },
});

import { fileURLToPath, URL } from "node:url";

import vue from "@vitejs/plugin-vue";
import { defineConfig } from "vite";

// The service serves the built app (src/apsis/service/web.py); `npm run dev` proxies
// the API to a service on APSIS_URL (default http://127.0.0.1:5000).
const target = process.env.APSIS_URL ?? "http://127.0.0.1:5000";

export default defineConfig({
  plugins: [vue()],
  resolve: {
    alias: { "@": fileURLToPath(new URL("./src", import.meta.url)) },
  },
  build: {
    outDir: fileURLToPath(new URL("../src/apsis/service/static", import.meta.url)),
    emptyOutDir: true,
    assetsDir: "assets",
    chunkSizeWarningLimit: 800,
  },
  server: {
    proxy: {
      "/api": { target, ws: true, changeOrigin: true },
    },
  },
  test: {
    environment: "node",
    include: ["src/**/*.test.ts"],
  },
});

import { defineConfig } from "vitest/config";

// One minified ES module bundle with fixed names (no hashes), loaded by the Django template as
// /static/frontend/editor.js and /static/frontend/editor.css.
export default defineConfig({
  base: "/static/frontend/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2020",
    sourcemap: false,
    cssCodeSplit: false,
    modulePreload: false,
    rollupOptions: {
      input: "src/main.ts",
      preserveEntrySignatures: false,
      output: {
        format: "es",
        entryFileNames: "editor.js",
        chunkFileNames: "editor-[name].js",
        assetFileNames: (info) => (info.names?.some((n) => n.endsWith(".css")) ? "editor.css" : "[name][extname]"),
      },
    },
  },
  test: {
    include: ["tests/**/*.test.ts"],
    environment: "node",
  },
});

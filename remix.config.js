/** @type {import('@remix-run/dev').AppConfig} */
export default {
  ignoredRouteFiles: ["**/.*", "**/*.test.{ts,tsx}"],
  serverModuleFormat: "esm",
  // Parallel work trees (helpers, benchmarks) can build side by side with CONDUCTOR_BUILD_DIR.
  serverBuildPath: `${process.env.CONDUCTOR_BUILD_DIR ?? "build"}/index.js`,
  // A side-by-side build keeps its client assets beside its server build too: `remix build` first
  // empties the assets directory, so two builds sharing public/build would break each other.
  ...(process.env.CONDUCTOR_BUILD_DIR && { assetsBuildDirectory: `${process.env.CONDUCTOR_BUILD_DIR}/public/build` }),
  // `npm run bench:agent` only: its constant-data comparison route, never in a normal build.
  ...(process.env.CONDUCTOR_BENCH_ROUTES === "1" && {
    routes: (defineRoutes) => defineRoutes((route) => route("/__bench/constant", "bench/constant.tsx")),
  }),
  future: {
    v3_fetcherPersist: true,
    v3_relativeSplatPath: true,
    v3_throwAbortReason: true,
    v3_lazyRouteDiscovery: true,
    v3_singleFetch: true,
  },
};

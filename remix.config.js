/** @type {import('@remix-run/dev').AppConfig} */
export default {
  ignoredRouteFiles: ["**/.*", "**/*.test.{ts,tsx}"],
  serverModuleFormat: "esm",
  // Parallel work trees (helpers, benchmarks) can build side by side with CONDUCTOR_BUILD_DIR.
  serverBuildPath: `${process.env.CONDUCTOR_BUILD_DIR ?? "build"}/index.js`,
  // `npm run bench:agent` only: its constant-data comparison route, never in a normal build; and its
  // client assets beside its server build, because `remix build` first empties the assets directory.
  ...(process.env.CONDUCTOR_BENCH_ROUTES === "1" && {
    assetsBuildDirectory: `${process.env.CONDUCTOR_BUILD_DIR ?? "build"}/public/build`,
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

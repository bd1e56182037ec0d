/** @type {import('@remix-run/dev').AppConfig} */
export default {
  ignoredRouteFiles: ["**/.*", "**/*.test.{ts,tsx}"],
  serverModuleFormat: "esm",
  // Parallel work trees (helpers, benchmarks) can build side by side with CONDUCTOR_BUILD_DIR.
  serverBuildPath: `${process.env.CONDUCTOR_BUILD_DIR ?? "build"}/index.js`,
  future: {
    v3_fetcherPersist: true,
    v3_relativeSplatPath: true,
    v3_throwAbortReason: true,
    v3_lazyRouteDiscovery: true,
    v3_singleFetch: true,
  },
};

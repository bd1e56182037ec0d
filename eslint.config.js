// ESLint runs in `npm test` (`npm run lint`). The layer rule below is the one place the architecture's
// direction is written as code: routes → app/http → domain modules → tenancy/ → db/ (README, "Layout").
import js from "@eslint/js";
import importX from "eslint-plugin-import-x";
import jsxA11y from "eslint-plugin-jsx-a11y";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";
import { createTypeScriptImportResolver } from "eslint-import-resolver-typescript";

// Globs only (the rule refuses a mix of globs and plain paths in one zone).
const ROUTE_LAYER = ["app/{routes,components,hooks,bench}/**", "app/{root,entry.client}.tsx"];
const PROCESS_LAYER = ["app/{server,demo}/**", "app/entry.server.tsx{,}", "scripts/**", "{server.ts,}"];
const HTTP_LAYER = ["app/http/**"];
const DOMAIN_LAYER = ["app/!(http|routes|components|hooks|bench|server|demo)/**", "app/!(root.tsx|entry.client.tsx|entry.server.tsx)"];

const layer = (name, target, from) => ({ target, from, message: `${name} may only import from the layers below it (README, "Layout").` });

/** Each layer may import only from the ones below it; what a lower layer needs from above arrives as a parameter. */
const LAYER_ZONES = [
  layer("db/", "db/**", ["tenancy/**", "app/**", ...PROCESS_LAYER]),
  layer("tenancy/", "tenancy/**", ["app/**", ...PROCESS_LAYER]),
  layer("A domain module", DOMAIN_LAYER, [...HTTP_LAYER, ...ROUTE_LAYER, ...PROCESS_LAYER]),
  layer("app/http", HTTP_LAYER, [...ROUTE_LAYER, ...PROCESS_LAYER]),
  layer("A route or component", ROUTE_LAYER, PROCESS_LAYER),
];

/** Code that reaches the browser: a value from a `.server` module is an empty stub there (the /settings/email hydration crash). */
const BROWSER_MODULES = [
  "app/components/**",
  "app/hooks/**",
  "app/root.tsx",
  "app/entry.client.tsx",
  "app/**/*-schema.ts",
  "app/route-params.ts",
  "app/app-error.ts",
];

export default tseslint.config(
  { ignores: ["build/**", ".build-*/**", "public/build/**", ".data/**", "node_modules/**", "test-results/**", "playwright-report/**", "**/*.mjs"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node },
    },
    plugins: { "import-x": importX },
    settings: {
      "import-x/resolver-next": [createTypeScriptImportResolver({ project: "tsconfig.json" })],
      // Without these, import-x reads only .js modules and no-cycle never sees a TypeScript loop.
      "import-x/extensions": [".ts", ".tsx", ".js", ".mjs"],
      "import-x/parsers": { "@typescript-eslint/parser": [".ts", ".tsx"] },
    },
    rules: {
      "import-x/no-cycle": ["error", { ignoreExternal: true }],
      "import-x/no-restricted-paths": ["error", { basePath: import.meta.dirname, zones: LAYER_ZONES }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      // Loaders and actions throw Responses (redirects, 404s): that is Remix's control flow, not an error value.
      "@typescript-eslint/only-throw-error": [
        "error",
        {
          allow: [
            { from: "lib", name: "Response" },
            { from: "package", package: "@remix-run/server-runtime", name: "TypedResponse" },
          ],
        },
      ],
      // Stripping control characters from headers, filenames and paths is deliberate input hygiene.
      "no-control-regex": "off",
      // It disagrees with tsc on casts that widen a union (useActionData in settings.sso) or add an optional member.
      "@typescript-eslint/no-unnecessary-type-assertion": "off",
      // `String(value)` of an unknown value is the deliberate last resort of a display or log helper.
      "@typescript-eslint/no-base-to-string": "off",
      // graphile-worker's LogLevel enum holds the strings it is compared with.
      "@typescript-eslint/no-unsafe-enum-comparison": "off",
      // `interface AppLoadContext extends ConductorLoadContext {}` is how Remix's context is typed.
      "@typescript-eslint/no-empty-object-type": ["error", { allowInterfaces: "with-single-extends" }],
      // An aborted signal's reason is what a rejection should carry, whatever its type.
      "@typescript-eslint/prefer-promise-reject-errors": "off",
      // Wrapping pg's client.query (query timing) reads methods off their objects on purpose.
      "@typescript-eslint/unbound-method": "off",
    },
  },
  { files: ["*.js"], ...tseslint.configs.disableTypeChecked },
  {
    // Tests read JSON bodies as `any` on purpose: a field that is missing fails the assertion, not the compiler.
    files: ["tests/**", "e2e/**"],
    rules: {
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      // Fakes of async interfaces (an OIDC account store, a mail transport) answer at once.
      "@typescript-eslint/require-await": "off",
      "@typescript-eslint/no-explicit-any": "off",
      // Playwright fixtures that use no other fixture are written \`async ({}, use) => …\`.
      "no-empty-pattern": "off",
    },
  },
  {
    files: ["app/**/*.tsx"],
    ...jsxA11y.flatConfigs.recommended,
    languageOptions: { ...jsxA11y.flatConfigs.recommended.languageOptions, globals: { ...globals.browser } },
    // A label's text often sits in nested spans (name and detail lines of a picker row).
    rules: { ...jsxA11y.flatConfigs.recommended.rules, "jsx-a11y/label-has-associated-control": ["error", { depth: 4 }] },
  },
  {
    files: ["app/**/*.{ts,tsx}"],
    plugins: { "react-hooks": reactHooks },
    rules: { "react-hooks/rules-of-hooks": "error", "react-hooks/exhaustive-deps": "error" },
  },
  {
    files: BROWSER_MODULES,
    ignores: ["app/**/*.server.{ts,tsx}"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["**/*.server", "**/*.server.*"],
              allowTypeImports: true,
              message: "Browser code gets an empty stub for a .server module: import types only.",
            },
          ],
        },
      ],
    },
  },
);

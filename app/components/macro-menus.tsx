import { lazy, Suspense, type ComponentProps } from "react";
import { useHydrated } from "~/hooks/use-hydrated";

// The macro menus need JavaScript anyway: loaded after hydration, so the ticket page's first
// JavaScript stays within budget (npm run check:js-budget).
const LazyPicker = lazy(() => import("./macro-picker").then((module) => ({ default: module.MacroPicker })));
const LazyOptions = lazy(() => import("./macro-picker").then((module) => ({ default: module.MacroOptions })));

export function MacroPicker(props: ComponentProps<typeof LazyPicker>) {
  const hydrated = useHydrated();
  return hydrated ? (
    <Suspense fallback={null}>
      <LazyPicker {...props} />
    </Suspense>
  ) : null;
}

export function MacroOptions(props: ComponentProps<typeof LazyOptions>) {
  return (
    <Suspense fallback={null}>
      <LazyOptions {...props} />
    </Suspense>
  );
}

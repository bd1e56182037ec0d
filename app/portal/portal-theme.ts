/** The portal's colours, from the workspace's accent colour (#rrggbb) or the design system's default. */

export const DEFAULT_ACCENT = "#667eea";
const DEFAULT_HEADER = "linear-gradient(135deg, #667eea 0%, #764ba2 100%)";
const WHITE = "#ffffff";
const INK = "#000000";

export type PortalTheme = { accent: string; onAccent: string; header: string };

export function portalTheme(accentColor: string | null): PortalTheme {
  if (!accentColor || !/^#[0-9a-f]{6}$/i.test(accentColor)) return { accent: DEFAULT_ACCENT, onAccent: WHITE, header: DEFAULT_HEADER };
  const accent = accentColor.toLowerCase();
  // Whichever text colour contrasts more: at least 4.5:1 for any accent. The gradient's far end
  // moves away from the text colour (darker under white text, lighter under dark), so it only gains.
  const light = contrastRatio(accent, WHITE) >= contrastRatio(accent, INK);
  return { accent, onAccent: light ? WHITE : INK, header: `linear-gradient(135deg, ${accent} 0%, ${mix(accent, light ? "#000000" : WHITE, 0.28)} 100%)` };
}

function channels(hex: string): [number, number, number] {
  return [1, 3, 5].map((start) => parseInt(hex.slice(start, start + 2), 16)) as [number, number, number];
}

function luminance(hex: string): number {
  const [r, g, b] = channels(hex).map((value) => {
    const c = value / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG 2 contrast ratio of two colours. */
export function contrastRatio(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}

/** `hex` moved towards `target` by `amount` (0 keeps it, 1 is the target). */
function mix(hex: string, target: string, amount: number): string {
  const to = channels(target);
  return `#${channels(hex)
    .map((value, index) =>
      Math.round(value + (to[index]! - value) * amount)
        .toString(16)
        .padStart(2, "0"),
    )
    .join("")}`;
}

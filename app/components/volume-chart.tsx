import { format, parseISO } from "date-fns";

type Day = { day: string; created: number; solved: number };

/**
 * Created vs solved per day as paired bars in plain SVG (no chart library: it would cost more
 * JavaScript than the whole screen). The numbers are also in a visually hidden table for screen readers.
 */
export function VolumeChart({ days }: { days: Day[] }) {
  const width = 720;
  const height = 200;
  const padBottom = 22;
  const max = Math.max(1, ...days.map((d) => Math.max(d.created, d.solved)));
  const slot = width / Math.max(days.length, 1);
  const bar = Math.max(2, slot / 2 - 2);
  const y = (value: number) => (height - padBottom) * (1 - value / max);
  return (
    <figure>
      <svg viewBox={`0 0 ${width} ${height}`} className="h-52 w-full" role="img" aria-labelledby="volume-title">
        <title id="volume-title">{`Tickets created and solved per day, last ${days.length} days`}</title>
        <defs>
          <linearGradient id="grad-created" x1="0" y1="0" x2="1" y2="1">
            <stop offset="0%" stopColor="#667eea" />
            <stop offset="100%" stopColor="#764ba2" />
          </linearGradient>
          <linearGradient id="grad-solved" x1="0" y1="0" x2="1" y2="1">
            <stop offset="0%" stopColor="#4facfe" />
            <stop offset="100%" stopColor="#00f2fe" />
          </linearGradient>
        </defs>
        {[0.25, 0.5, 0.75, 1].map((f) => (
          <line key={f} x1={0} x2={width} y1={y(max * f)} y2={y(max * f)} stroke="#e2e8f0" strokeWidth={1} />
        ))}
        {days.map((d, i) => (
          <g key={d.day}>
            <rect x={i * slot + 1} y={y(d.created)} width={bar} height={height - padBottom - y(d.created)} rx={2} fill="url(#grad-created)">
              <title>{`${d.day}: ${d.created} created`}</title>
            </rect>
            <rect x={i * slot + 1 + bar + 1} y={y(d.solved)} width={bar} height={height - padBottom - y(d.solved)} rx={2} fill="url(#grad-solved)">
              <title>{`${d.day}: ${d.solved} solved`}</title>
            </rect>
            {i % 7 === 0 || (i === days.length - 1 && i % 7 > 3) ? (
              <text x={i * slot + slot / 2} y={height - 6} textAnchor="middle" fontSize={11} fill="#475569">
                {format(parseISO(d.day), "MMM d")}
              </text>
            ) : null}
          </g>
        ))}
        <text x={4} y={12} fontSize={11} fill="#475569">
          {max}
        </text>
      </svg>
      <figcaption className="mt-2 flex gap-4 text-xs text-slate-600">
        <span className="flex items-center gap-1.5">
          <span aria-hidden className="h-2.5 w-2.5 rounded-sm bg-gradient-primary" /> Created
        </span>
        <span className="flex items-center gap-1.5">
          <span aria-hidden className="h-2.5 w-2.5 rounded-sm bg-gradient-success" /> Solved
        </span>
      </figcaption>
      <table className="sr-only">
        <caption>Tickets per day</caption>
        <thead>
          <tr>
            <th scope="col">Day</th>
            <th scope="col">Created</th>
            <th scope="col">Solved</th>
          </tr>
        </thead>
        <tbody>
          {days.map((d) => (
            <tr key={d.day}>
              <th scope="row">{d.day}</th>
              <td>{d.created}</td>
              <td>{d.solved}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

import { getFormProps, getInputProps, getSelectProps, useForm, type FieldMetadata, type SubmissionResult } from "@conform-to/react";
import { getZodConstraint, parseWithZod } from "@conform-to/zod/v4";
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useLocation } from "@remix-run/react";
import { useEffect } from "react";
import { agentActor } from "~/activity/actor";
import { notFound } from "~/app-error";
import { access } from "~/auth/access";
import { requireUser } from "~/auth/guards.server";
import { Button, CsrfInput, FieldErrors, FormErrors, SelectField, TextField } from "~/components/form-fields";
import { Notice, Section } from "~/components/section";
import { onAppError, replyOnAppError } from "~/http/route-errors.server";
import { routeParam, rowIdParam } from "~/http/route-params.server";
import { businessHoursSchema, MAX_HOLIDAYS, MAX_PERIODS_PER_WEEKDAY, WEEKDAY_NAMES } from "~/service-levels/business-hours-schema";
import { weeklySummary } from "~/service-levels/business-hours-summary";
import {
  createBusinessSchedule,
  deleteBusinessSchedule,
  listBusinessSchedules,
  makeDefaultBusinessSchedule,
  updateBusinessSchedule,
} from "~/service-levels/business-schedules.server";
import { businessClock, isOpen } from "~/service-levels/business-time";

/**
 * Business-hours schedules: the list, and below it one form that creates a schedule, or edits the one
 * named by `?edit=<id>` (a search parameter rather than a route of its own, so the screen has a single
 * address and a failed submit comes back to the same form).
 */

export const handle = access("admin");
export const meta: MetaFunction = () => [{ title: "Business hours · Settings · Conductor" }];

const PAGE = "/settings/business-hours";
/**
 * The fields this form sends; anything else, or a field sent twice, is refused before parsing. Conform
 * builds lists from the indexes in field names (`holidays[99999999].date` alone would be a list of a
 * hundred million rows to echo back) and its list rendering throws on a list field that holds text
 * (`periods=[…]`). Three digits cover the longest list a schedule may hold, with room for the schema
 * to say what is too many.
 */
const FORM_FIELD = /^(?:csrf|intent|name|timeZone|__intent__|periods\[\d{1,3}\]\.(?:weekday|start|end)|holidays\[\d{1,3}\]\.(?:date|name))$/;

const scheduleId = (value: unknown) => routeParam(rowIdParam, typeof value === "string" ? value : undefined, () => notFound("That schedule"));

export async function loader({ request, context }: LoaderFunctionArgs) {
  const search = new URL(request.url).searchParams;
  const schedules = await listBusinessSchedules(context.db);
  const editId = search.has("edit") ? scheduleId(search.get("edit")) : null;
  const editing = editId === null ? null : (schedules.find((schedule) => schedule.id === editId) ?? null);
  if (editId !== null && !editing) throw notFound("That schedule");
  const saved = schedules.find((schedule) => String(schedule.id) === search.get("saved"));
  const now = new Date();
  return {
    schedules: schedules.map((schedule) => ({
      id: schedule.id,
      name: schedule.name,
      timeZone: schedule.timeZone,
      isDefault: schedule.isDefault,
      summary: weeklySummary(schedule.periods),
      holidayCount: schedule.holidays.length,
      openNow: isOpen(businessClock(schedule), now),
      localTime: new Intl.DateTimeFormat("en-GB", {
        timeZone: schedule.timeZone,
        weekday: "short",
        hour: "2-digit",
        minute: "2-digit",
        hourCycle: "h23",
      }).format(now),
    })),
    editing: editing && { id: editing.id, name: editing.name, timeZone: editing.timeZone, periods: editing.periods, holidays: editing.holidays },
    // A new schedule starts in the default schedule's zone; with none yet, the browser's (set after hydration) or UTC.
    defaultZone: schedules.find((schedule) => schedule.isDefault)?.timeZone ?? null,
    timeZones: timeZoneOptions(schedules.map((schedule) => schedule.timeZone)),
    savedNotice: saved ? `“${saved.name}” saved.` : null,
  };
}

type ActionData = { intent: string; result?: SubmissionResult<string[]>; notice?: string; error?: string };

export async function action({ request, context }: ActionFunctionArgs) {
  const actor = agentActor(requireUser(context));
  const form = await request.formData();
  const intent = String(form.get("intent") ?? "");
  if (intent === "make-default" || intent === "delete") {
    const id = scheduleId(form.get("scheduleId"));
    return onAppError(
      async (): Promise<ActionData> => {
        if (intent === "delete") return { intent, notice: `“${(await deleteBusinessSchedule(context.db, actor, id)).name}” deleted.` };
        return { intent, notice: `“${(await makeDefaultBusinessSchedule(context.db, actor, id)).name}” is now the default schedule.` };
      },
      (error): ActionData => ({ intent, error: error.message }),
    );
  }
  if (intent !== "save") return data<ActionData>({ intent, error: "Unknown action." }, { status: 400 });
  const search = new URL(request.url).searchParams;
  const editId = search.has("edit") ? scheduleId(search.get("edit")) : null;
  const names = [...form.keys()];
  if (names.some((name) => !FORM_FIELD.test(name)) || new Set(names).size !== names.length) {
    return data<ActionData>({ intent, error: "That form was not valid. Reload the page and try again." }, { status: 400 });
  }
  const submission = parseWithZod(form, { schema: businessHoursSchema });
  // Adding or removing a row (Conform's list intents) also arrives here without JavaScript.
  if (submission.status !== "success") return data<ActionData>({ intent, result: submission.reply() }, { status: submission.status === "error" ? 400 : 200 });
  const input = submission.value;
  return replyOnAppError(
    submission,
    async () => {
      const saved = editId === null ? await createBusinessSchedule(context.db, actor, input) : await updateBusinessSchedule(context.db, actor, editId, input);
      return redirect(`${PAGE}?saved=${saved.id}`);
    },
    { body: (result): ActionData => ({ intent, result }) },
  );
}

/** Every zone the runtime knows, plus UTC and any zone a schedule already uses (spellings differ between ICU versions). */
function timeZoneOptions(inUse: string[]): string[] {
  return [...new Set(["UTC", ...Intl.supportedValuesOf("timeZone"), ...inUse])].sort((a, b) => (a === "UTC" ? -1 : b === "UTC" ? 1 : a.localeCompare(b)));
}

export default function BusinessHoursSettings() {
  const { schedules, editing, savedNotice } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as ActionData | undefined;
  const listResult = actionData && actionData.intent !== "save" ? actionData : undefined;
  return (
    <div className="space-y-6">
      {listResult?.error ? <FormErrors id="schedule-error" errors={[listResult.error]} /> : null}
      {listResult?.notice ? <Notice>{listResult.notice}</Notice> : null}
      {savedNotice && !actionData ? <Notice>{savedNotice}</Notice> : null}
      <Section
        title="Business hours"
        description="When your team is at work, in each schedule's own time zone. SLA targets measured in business hours count only these times; holidays count as closed all day."
      >
        {schedules.length === 0 ? (
          <p className="text-sm text-slate-500">No schedules yet. The first one you create becomes the default.</p>
        ) : (
          <ScheduleList schedules={schedules} />
        )}
      </Section>
      <ScheduleForm key={editing?.id ?? "new"} />
    </div>
  );
}

type ScheduleRow = ReturnType<typeof useLoaderData<typeof loader>>["schedules"][number];

function ScheduleList({ schedules }: { schedules: ScheduleRow[] }) {
  return (
    <ul className="divide-y divide-slate-100">
      {schedules.map((schedule) => (
        <li
          key={schedule.id}
          data-testid={`schedule-${schedule.id}`}
          className="flex flex-col gap-3 py-4 first:pt-0 last:pb-0 sm:flex-row sm:items-start sm:justify-between"
        >
          <div className="min-w-0 space-y-1 text-sm">
            <p className="flex flex-wrap items-center gap-2">
              <span className="font-semibold text-slate-900">{schedule.name}</span>
              {schedule.isDefault ? <span className="rounded-full bg-gradient-primary px-2 py-0.5 text-xs font-semibold text-white">Default</span> : null}
              <span
                className={`rounded-full px-2 py-0.5 text-xs font-semibold ${schedule.openNow ? "bg-emerald-100 text-emerald-800" : "bg-slate-200 text-slate-700"}`}
              >
                {schedule.openNow ? "Open now" : "Closed now"}
              </span>
            </p>
            <p className="text-slate-700">
              {schedule.summary.split("; ").map((run) => (
                <span key={run} className="block">
                  {run}
                </span>
              ))}
            </p>
            <p className="text-xs text-slate-500">
              {schedule.timeZone} ({schedule.localTime} there) · {schedule.holidayCount === 1 ? "1 holiday" : `${schedule.holidayCount} holidays`}
            </p>
          </div>
          <ScheduleActions schedule={schedule} onlySchedule={schedules.length === 1} />
        </li>
      ))}
    </ul>
  );
}

function ScheduleActions({ schedule, onlySchedule }: { schedule: ScheduleRow; onlySchedule: boolean }) {
  const deletable = !schedule.isDefault || onlySchedule;
  // A confirmation left open closes once any action (or link) has navigated.
  const { key: navigation } = useLocation();
  return (
    <div className="flex shrink-0 flex-wrap items-start gap-2 sm:justify-end">
      <Link to={`${PAGE}?edit=${schedule.id}`} className="rounded-lg px-3 py-1 text-sm font-semibold text-brand-700 hover:bg-slate-100">
        Edit<span className="sr-only"> {schedule.name}</span>
      </Link>
      {schedule.isDefault ? null : (
        <Form method="post" action={PAGE}>
          <CsrfInput />
          <input type="hidden" name="intent" value="make-default" />
          <input type="hidden" name="scheduleId" value={schedule.id} />
          <Button variant="secondary" className="px-3 py-1">
            Make default<span className="sr-only"> {schedule.name}</span>
          </Button>
        </Form>
      )}
      {/* A disclosure asks for confirmation without JavaScript. */}
      <details key={navigation} className="w-min">
        <summary className="cursor-pointer list-none rounded-lg border border-rose-300 bg-white px-3 py-1 text-sm font-semibold text-rose-700 hover:bg-rose-50">
          Delete<span className="sr-only"> {schedule.name}</span>
        </summary>
        <div className="mt-2 w-60 whitespace-normal rounded-xl border border-rose-200 bg-rose-50/40 p-3 text-sm">
          {deletable ? (
            <Form method="post" action={PAGE} className="space-y-3">
              <CsrfInput />
              <input type="hidden" name="intent" value="delete" />
              <input type="hidden" name="scheduleId" value={schedule.id} />
              <p className="text-slate-700">Delete “{schedule.name}” for good? A schedule an SLA policy measures time in cannot be deleted.</p>
              <Button variant="danger" className="w-full px-3 py-1">
                Delete “{schedule.name}”
              </Button>
            </Form>
          ) : (
            <p className="text-slate-700">“{schedule.name}” is the default schedule. Make another schedule the default first, then delete this one.</p>
          )}
        </div>
      </details>
    </div>
  );
}

const NEW_PERIOD = { weekday: 1, start: "09:00", end: "17:00" };
const WORKWEEK = [1, 2, 3, 4, 5].map((weekday) => ({ ...NEW_PERIOD, weekday }));
const WEEKDAY_OPTIONS = Object.entries(WEEKDAY_NAMES).map(([value, label]) => ({ value, label }));
const inputClass = (invalid: boolean) =>
  `block rounded-lg border bg-white px-3 py-2 text-slate-900 shadow-sm outline-none transition focus:ring-2 ${
    invalid ? "border-rose-400 focus:border-rose-500 focus:ring-rose-200" : "border-slate-300 focus:border-brand-500 focus:ring-brand-500/30"
  }`;

function ScheduleForm() {
  const { editing, defaultZone, timeZones, schedules } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as ActionData | undefined;
  const saveResult = actionData?.intent === "save" ? actionData : undefined;
  const [form, fields] = useForm({
    id: editing ? `schedule-${editing.id}` : "schedule-new",
    lastResult: saveResult?.result,
    defaultValue: editing
      ? { name: editing.name, timeZone: editing.timeZone, periods: editing.periods, holidays: editing.holidays }
      : { name: "", timeZone: defaultZone ?? "UTC", periods: WORKWEEK, holidays: [] },
    constraint: getZodConstraint(businessHoursSchema),
    shouldValidate: "onBlur",
    shouldRevalidate: "onInput",
    onValidate: ({ formData }) => parseWithZod(formData, { schema: businessHoursSchema }),
  });
  const browserZoneWanted = !editing && defaultZone === null && !saveResult;
  const timeZoneName = fields.timeZone.name;
  useEffect(() => {
    if (!browserZoneWanted) return;
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (timeZones.includes(zone)) form.update({ name: timeZoneName, value: zone });
    // Once, after hydration: later renders must not overwrite what the admin chose.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  const periods = fields.periods.getFieldList();
  const holidays = fields.holidays.getFieldList();
  return (
    <Section
      title={editing ? `Edit “${editing.name}”` : "New schedule"}
      description={
        editing ? (
          <Link to={PAGE} className="font-medium text-brand-700 underline">
            Cancel editing
          </Link>
        ) : schedules.length === 0 ? (
          "It becomes the default schedule."
        ) : undefined
      }
    >
      <Form method="post" {...getFormProps(form)} className="grid gap-5">
        <CsrfInput />
        <input type="hidden" name="intent" value="save" />
        {/* Pressing Enter in a field submits with the form's first button: make that one "Save", not a row's "Remove". */}
        <button type="submit" tabIndex={-1} aria-hidden className="sr-only">
          Save
        </button>
        <FormErrors id={form.errorId} errors={form.errors} />
        {saveResult?.error ? <FormErrors id="schedule-form-error" errors={[saveResult.error]} /> : null}
        <div className="grid gap-4 sm:grid-cols-2">
          <TextField field={fields.name} label="Name" placeholder="Support hours" />
          <SelectField field={fields.timeZone} label="Time zone" options={timeZones.map((zone) => ({ value: zone, label: zone.replaceAll("_", " ") }))} />
        </div>

        <fieldset className="space-y-2">
          <legend className="text-sm font-medium text-slate-700">Opening hours</legend>
          <p className="text-xs text-slate-500">
            Up to {MAX_PERIODS_PER_WEEKDAY} periods a day, as HH:MM. An end before the start runs past midnight (22:00–02:00); a whole day is 00:00–24:00.
          </p>
          <FieldErrors id={fields.periods.errorId} errors={fields.periods.errors} />
          {periods.length === 0 ? <p className="text-sm text-slate-500">No periods: this schedule is never open.</p> : null}
          <ul className="space-y-2">
            {periods.map((period, index) => (
              <PeriodRow
                key={period.key ?? period.name}
                period={period}
                index={index}
                remove={form.remove.getButtonProps({ name: fields.periods.name, index })}
              />
            ))}
          </ul>
          <Button variant="secondary" {...form.insert.getButtonProps({ name: fields.periods.name, defaultValue: NEW_PERIOD })}>
            Add a period
          </Button>
        </fieldset>

        <fieldset className="space-y-2">
          <legend className="text-sm font-medium text-slate-700">Holidays</legend>
          <p className="text-xs text-slate-500">Closed all day, in the schedule&apos;s time zone. At most {MAX_HOLIDAYS}.</p>
          <FieldErrors id={fields.holidays.errorId} errors={fields.holidays.errors} />
          <ul className="space-y-2">
            {holidays.map((holiday, index) => (
              <HolidayRow
                key={holiday.key ?? holiday.name}
                holiday={holiday}
                index={index}
                remove={form.remove.getButtonProps({ name: fields.holidays.name, index })}
              />
            ))}
          </ul>
          <Button variant="secondary" {...form.insert.getButtonProps({ name: fields.holidays.name, defaultValue: { date: "", name: "" } })}>
            Add a holiday
          </Button>
        </fieldset>

        <div className="flex gap-3">
          <Button>{editing ? "Save changes" : "Create schedule"}</Button>
          {editing ? (
            <Link to={PAGE} className="inline-flex items-center rounded-lg px-4 py-2 text-sm font-semibold text-slate-700 hover:bg-slate-100">
              Cancel
            </Link>
          ) : null}
        </div>
      </Form>
    </Section>
  );
}

type RemoveButton = React.ButtonHTMLAttributes<HTMLButtonElement>;

function PeriodRow({ period, index, remove }: { period: FieldMetadata<{ weekday: number; start: string; end: string }>; index: number; remove: RemoveButton }) {
  const { weekday, start, end } = period.getFieldset();
  const label = `Period ${index + 1}`;
  const errors = [weekday, start, end];
  const { key: weekdayKey, ...weekdayProps } = getSelectProps(weekday, { ariaDescribedBy: period.errors?.length ? period.errorId : undefined });
  return (
    <li className="space-y-1" data-testid={`period-${index}`}>
      <div className="flex flex-wrap items-center gap-2">
        <label htmlFor={weekday.id} className="sr-only">
          {label}: day
        </label>
        <select key={weekdayKey} {...weekdayProps} className={`${inputClass(Boolean(weekday.errors?.length || period.errors?.length))} w-full sm:w-48`}>
          {WEEKDAY_OPTIONS.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
        <TimeInput field={start} label={`${label}: start`} placeholder="09:00" />
        <TimeInput field={end} label={`${label}: end`} placeholder="17:00" />
        <Button variant="ghost" {...remove} aria-label={`Remove period ${index + 1}`}>
          Remove
        </Button>
      </div>
      <FieldErrors id={period.errorId} errors={period.errors} />
      {errors.map((field) => (
        <FieldErrors key={field.id} id={field.errorId} errors={field.errors} />
      ))}
    </li>
  );
}

function TimeInput({ field, label, placeholder }: { field: FieldMetadata<string>; label: string; placeholder: string }) {
  const { key, ...props } = getInputProps(field, { type: "text" });
  return (
    <>
      <label htmlFor={field.id} className="sr-only">
        {label}
      </label>
      <input key={key} {...props} inputMode="numeric" placeholder={placeholder} className={`${inputClass(Boolean(field.errors?.length))} w-20`} />
    </>
  );
}

function HolidayRow({ holiday, index, remove }: { holiday: FieldMetadata<{ date: string; name: string }>; index: number; remove: RemoveButton }) {
  const { date, name } = holiday.getFieldset();
  const { key: dateKey, ...dateProps } = getInputProps(date, { type: "date" });
  const { key: nameKey, ...nameProps } = getInputProps(name, { type: "text" });
  return (
    <li className="space-y-1" data-testid={`holiday-${index}`}>
      <div className="flex flex-wrap items-center gap-2">
        <label htmlFor={date.id} className="sr-only">
          Holiday {index + 1}: date
        </label>
        <input key={dateKey} {...dateProps} className={`${inputClass(Boolean(date.errors?.length))} w-44`} />
        <label htmlFor={name.id} className="sr-only">
          Holiday {index + 1}: name
        </label>
        <input key={nameKey} {...nameProps} placeholder="New Year's Day" className={`${inputClass(Boolean(name.errors?.length))} min-w-40 flex-1`} />
        <Button variant="ghost" {...remove} aria-label={`Remove holiday ${index + 1}`}>
          Remove
        </Button>
      </div>
      <FieldErrors id={holiday.errorId} errors={holiday.errors} />
      <FieldErrors id={date.errorId} errors={date.errors} />
      <FieldErrors id={name.errorId} errors={name.errors} />
    </li>
  );
}

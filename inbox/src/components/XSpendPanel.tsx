// The team view's X spend: today's spend (UTC) against the brand's daily budget, and the last 7 days by
// kind, from GET /reports/x-spend (carebird.spend counts what X bills as the functions call it).
import { useState } from "preact/hooks";
import { useApp } from "../lib/context";
import { usePoll } from "../lib/poll";
import type { XSpendKind, XSpendReport } from "../lib/team";
import { kindName, usd } from "../lib/xspend";
import { explain, Notice } from "./Notice";
import { ReportChart } from "./ReportChart";

const REFRESH_MS = 60000; // the functions write their spend when each invocation ends
const DAYS = 7;
const WARN_PCT = 80; // XBudgetAlarm fires here
const COLOURS: Record<string, string> = {
  post_read: "#0b57d0",
  owned_read: "#00695c",
  user_read: "#6a1b9a",
  dm_event_read: "#6b4400",
  post: "#0b5d2a",
  post_with_url: "#9b111e",
  dm_sent: "#4e5661",
  interaction: "#1d3f8a",
};



function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function Today({ report, today }: { report: XSpendReport; today: string }) {
  const spent = report.days.find((d) => d.day === today)?.usd ?? 0;
  const budget = report.daily_budget_usd;
  if (budget === null) {
    return (
      <p class="spend-today">
        <strong>{usd(spent)}</strong> spent on X today (UTC). <span class="muted">No daily budget is set (brand setting x_daily_budget_usd).</span>
      </p>
    );
  }
  const used = report.today_used_pct ?? 0;
  const state = used >= 100 ? "late" : used >= WARN_PCT ? "risk" : "ok";
  const verdict = state === "late" ? "budget spent" : state === "risk" ? `over ${WARN_PCT}%: the budget alarm fires` : "within budget";
  return (
    <div class={`spend-today spend-${state}`}>
      <p>
        <strong>{usd(spent)}</strong> of the {usd(budget)} daily budget spent on X today (UTC): <strong>{used}%</strong>, {verdict}.
      </p>
      <meter min={0} max={budget} low={(budget * WARN_PCT) / 100} high={(budget * WARN_PCT) / 100} optimum={0} value={Math.min(spent, budget)} aria-label="X budget used today" />
      {state === "late" && (
        <p>
          Until midnight UTC, new customers' X profiles are not read: their messages still arrive, named by account id, with followers unknown. Mentions and DMs are never read less.
        </p>
      )}
    </div>
  );
}

function KindTable({ kinds }: { kinds: XSpendKind[] }) {
  return (
    <table aria-label={`X spend by kind, last ${DAYS} days`}>
      <thead>
        <tr>
          <th scope="col">Kind</th>
          <th scope="col">Units</th>
          <th scope="col">Price each</th>
          <th scope="col">Spent</th>
        </tr>
      </thead>
      <tbody>
        {kinds.map((k) => (
          <tr key={k.kind}>
            <th scope="row">{kindName(k.kind)}</th>
            <td>{k.units}</td>
            <td>{usd(k.price_usd)}</td>
            <td>{usd(k.usd)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function XSpendPanel() {
  const { api } = useApp();
  const [report, setReport] = useState<XSpendReport | null>(null);
  const [error, setError] = useState<unknown>(null);
  const now = Date.now();
  const today = utcDay(now);
  const from = utcDay(now - (DAYS - 1) * 86400000);
  usePoll(
    async () => {
      try {
        setReport(await api.xSpend(from, today));
        setError(null);
      } catch (e) {
        setError(e);
      }
    },
    REFRESH_MS,
    [from, today],
  );
  const kinds = report?.kinds.map((k) => k.kind) ?? [];
  return (
    <section aria-labelledby="xspend-title" class="panel">
      <h2 id="xspend-title">X spend</h2>
      {error !== null && <Notice>X spend could not be loaded: {explain(error)}</Notice>}
      {report === null ? (
        error === null && <p class="muted">Loading…</p>
      ) : (
        <>
          <Today report={report} today={today} />
          {report.empty ? (
            <p class="muted">
              Nothing spent on X in the last {DAYS} days ({report.start} to {report.end}).
            </p>
          ) : (
            <ReportChart
              id="chart-xspend"
              title={`X spend per day by kind, last ${DAYS} days`}
              summary={`${usd(report.total_usd)} in ${DAYS} days: ${report.kinds.map((k) => `${kindName(k.kind)} ${usd(k.usd)}`).join(", ")}`}
              labels={report.days.map((d) => d.day)}
              series={kinds.map((kind) => ({
                label: kindName(kind),
                data: report.days.map((d) => d.kinds.find((k) => k.kind === kind)?.usd ?? 0),
                color: COLOURS[kind] ?? "#4e5661",
              }))}
              stacked
              yTitle="USD"
              yPrecision={3}
              empty={false}
              csv={<span class="muted">X's prices as read {report.prices_read_on}</span>}
            >
              <KindTable kinds={report.kinds} />
            </ReportChart>
          )}
        </>
      )}
    </section>
  );
}

// The supervisor's team view: queue health, agents' load (availability, moving cases), alarm states, the
// posts X sent that could not be read, X spend against the daily budget, the report charts with their tables and CSV downloads, and the canned responses. Loaded on demand, so
// agents never download Chart.js.
import { useEffect, useState } from "preact/hooks";
import { CannedEditor } from "../components/CannedEditor";
import { explain, Notice } from "../components/Notice";
import { ReportChart } from "../components/ReportChart";
import { XSpendPanel } from "../components/XSpendPanel";
import { useApp } from "../lib/context";
import { usePoll } from "../lib/poll";
import type { AgentLoad, AlarmState, ReportFilters, ReportName, Reports, Team as TeamBody, UnreadablePost } from "../lib/team";
import { span, when } from "../lib/time";

const POLL_MS = 10000;
const COLOURS = ["#0b57d0", "#9b111e", "#0b5d2a", "#6b4400", "#6a1b9a", "#00695c"];
const CLOCKS = [
  ["first_response", "First response"],
  ["next_response", "Next response"],
  ["resolution", "Resolution"],
] as const;

function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function pct(value: number | null): string {
  return value === null ? "no verdict" : `${value}%`;
}

function seconds(value: number | null): string {
  return value === null ? "-" : span((value) * 1000);
}

function QueueHealth({ team }: { team: TeamBody }) {
  return (
    <section aria-labelledby="queues-title" class="panel">
      <h2 id="queues-title">Queues</h2>
      <table aria-labelledby="queues-title">
        <thead>
          <tr>
            <th scope="col">Queue</th>
            <th scope="col">Open</th>
            <th scope="col">Unassigned</th>
            <th scope="col">At risk</th>
            <th scope="col">Late</th>
            <th scope="col">Oldest waiting</th>
          </tr>
        </thead>
        <tbody>
          {team.queues.map((q) => (
            <tr key={q.queue} class={q.breached ? "late" : q.at_risk ? "risk" : undefined}>
              <th scope="row">{q.queue}</th>
              <td>{q.open}</td>
              <td>{q.unassigned}</td>
              <td>{q.at_risk}</td>
              <td>{q.breached}</td>
              <td>{q.oldest_waiting_seconds === null ? "-" : span((q.oldest_waiting_seconds) * 1000)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function MoveCase({ agent, agents, onMoved }: { agent: AgentLoad; agents: AgentLoad[]; onMoved: () => void }) {
  const { api } = useApp();
  const [caseId, setCaseId] = useState(agent.case_ids[0] ?? "");
  const [target, setTarget] = useState("");
  const [error, setError] = useState<unknown>(null);
  if (!agent.case_ids.length) return <span class="muted">no open cases</span>;
  const others = agents.filter((a) => a.agent_id !== agent.agent_id);
  const move = async (event: Event) => {
    event.preventDefault();
    if (!target) return;
    try {
      await api.reassign(caseId, { agent_id: target }, `moved by a supervisor from ${agent.agent_id}`);
      setError(null);
      onMoved();
    } catch (e) {
      setError(e);
    }
  };
  const who = agent.name || agent.agent_id;
  return (
    <form class="move" onSubmit={move}>
      <select aria-label={`Case of ${who} to move`} value={caseId} onChange={(e) => setCaseId(e.currentTarget.value)}>
        {agent.case_ids.map((id) => (
          <option key={id} value={id}>
            {id}
          </option>
        ))}
      </select>
      <select aria-label={`Move ${who}'s case to`} value={target} onChange={(e) => setTarget(e.currentTarget.value)}>
        <option value="">to…</option>
        {others.map((a) => (
          <option key={a.agent_id} value={a.agent_id}>
            {a.name || a.agent_id}
          </option>
        ))}
      </select>
      <button type="submit" disabled={!target}>
        Move
      </button>
      {error !== null && <Notice>{explain(error)}</Notice>}
    </form>
  );
}

function AgentsLoad({ team, onChange }: { team: TeamBody; onChange: () => void }) {
  const { api } = useApp();
  const [error, setError] = useState<unknown>(null);
  const toggle = async (agent: AgentLoad, available: boolean) => {
    try {
      await api.setAvailability(agent.agent_id, available);
      setError(null);
      onChange();
    } catch (e) {
      setError(e);
    }
  };
  const agents = team.agents.filter((a) => a.role !== "supervisor");
  return (
    <section aria-labelledby="agents-title" class="panel">
      <h2 id="agents-title">Agents</h2>
      {error !== null && <Notice>{explain(error)}</Notice>}
      <table aria-labelledby="agents-title">
        <thead>
          <tr>
            <th scope="col">Agent</th>
            <th scope="col">Load</th>
            <th scope="col">Available</th>
            <th scope="col">Current case</th>
            <th scope="col">Move a case</th>
          </tr>
        </thead>
        <tbody>
          {agents.map((a) => (
            <tr key={a.agent_id} class={a.open_cases >= a.capacity ? "risk" : undefined}>
              <th scope="row">{a.name || a.agent_id}</th>
              <td>
                {a.open_cases} of {a.capacity}
              </td>
              <td>
                <input
                  type="checkbox"
                  checked={a.available}
                  aria-label={`${a.name || a.agent_id} available`}
                  onChange={(e) => toggle(a, e.currentTarget.checked)}
                />
              </td>
              <td>{a.current_case ? <a href={`#/cases/${encodeURIComponent(a.current_case)}`}>{a.current_case}</a> : <span class="muted">none</span>}</td>
              <td>
                <MoveCase agent={a} agents={agents} onMoved={onChange} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Alarms({ alarms }: { alarms: AlarmState[] | null }) {
  return (
    <section aria-labelledby="alarms-title" class="panel">
      <h2 id="alarms-title">Alarms</h2>
      {alarms === null ? (
        <p class="muted">Loading…</p>
      ) : (
        <ul class="alarms">
          {alarms.map((a) => (
            <li key={a.name} class={`alarm alarm-${a.state.toLowerCase()}`}>
              <span class="state">{a.state}</span> <strong>{a.name}</strong>
              {a.description && <span class="muted"> {a.description}</span>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

// Posts ingestion quarantined (a shape the X adapter cannot read): never triaged, so a person answers them
// on X by hand. The raw post is customer text: rendered as text, as everywhere.
function UnreadablePosts({ posts }: { posts: UnreadablePost[] | null }) {
  return (
    <section aria-labelledby="unreadable-title" class="panel">
      <h2 id="unreadable-title">Unreadable posts</h2>
      {posts === null ? (
        <p class="muted">Loading…</p>
      ) : posts.length === 0 ? (
        <p class="muted">None</p>
      ) : (
        <>
          <p class="muted">{posts.length === 1 ? "1 post" : `${posts.length} posts`} X sent that could not be read, newest first</p>
          <ul class="unreadable" aria-labelledby="unreadable-title">
            {posts.map((p) => (
              <li key={p.id}>
                <a href={`https://x.com/i/web/status/${encodeURIComponent(p.id)}`} target="_blank" rel="noopener noreferrer">
                  Post {p.id}
                </a>{" "}
                <span class="muted">
                  {p.author_id ? `by user ${p.author_id}, ` : ""}received {when(p.received_at)}
                </span>
                <p class="reason">{p.reason}</p>
                <details>
                  <summary>Raw post {p.id}</summary>
                  <pre class="raw">{p.raw}</pre>
                </details>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function CsvLink({ name, filters }: { name: ReportName; filters: ReportFilters }) {
  const { api } = useApp();
  const [error, setError] = useState<unknown>(null);
  const download = async (event: Event) => {
    event.preventDefault();
    try {
      const blob = await api.reportCsv(name, filters);
      const url = URL.createObjectURL(blob);
      const link = document.createElement("a");
      link.href = url;
      link.download = `${name}-${filters.from}-${filters.to}.csv`;
      link.click();
      URL.revokeObjectURL(url);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <>
      <a href="#" class="csv" onClick={download}>
        Download {name} CSV
      </a>
      {error !== null && <Notice>{explain(error)}</Notice>}
    </>
  );
}

function Charts({ reports, filters }: { reports: Reports; filters: ReportFilters }) {
  const { sla, csat, volume, reopened, corrections } = reports;
  const first = reports["first-response"];
  const days = sla.days.map((d) => d.day);
  const withData = first.priorities.filter((p) => p.responses > 0);
  const bucketLabels = first.priorities[0]?.buckets.map((b) => (b.le_seconds === null ? "longer" : `≤ ${span((b.le_seconds) * 1000)}`)) ?? [];
  const queues = Object.keys(volume.by_queue);
  const hours = [...new Set(volume.hours.map((h) => h.hour))];
  return (
    <div class="charts">
      <ReportChart
        id="chart-sla"
        title="SLA met per day"
        summary={CLOCKS.map(([key, name]) => `${name}: ${sla[key].met} met, ${sla[key].missed} missed (${pct(sla[key].met_pct)})`).join("; ")}
        labels={days}
        series={CLOCKS.flatMap(([key, name], i) => [
          { label: `${name} met`, data: sla.days.map((d) => d[key].met), color: COLOURS[i * 2 % COLOURS.length] },
          { label: `${name} missed`, data: sla.days.map((d) => d[key].missed), color: COLOURS[(i * 2 + 1) % COLOURS.length] },
        ])}
        yTitle="clocks ended"
        empty={sla.empty}
        csv={<CsvLink name="sla" filters={filters} />}
      >
        <table aria-label="SLA per clock">
          <thead>
            <tr>
              <th scope="col">Clock</th>
              <th scope="col">Met</th>
              <th scope="col">Missed</th>
              <th scope="col">Met %</th>
            </tr>
          </thead>
          <tbody>
            {CLOCKS.map(([key, name]) => (
              <tr key={key}>
                <th scope="row">{name}</th>
                <td>{sla[key].met}</td>
                <td>{sla[key].missed}</td>
                <td>{pct(sla[key].met_pct)}</td>
              </tr>
            ))}
            <tr>
              <th scope="row">All clocks</th>
              <td>{sla.all_clocks.met}</td>
              <td>{sla.all_clocks.missed}</td>
              <td>{pct(sla.all_clocks.met_pct)}</td>
            </tr>
          </tbody>
        </table>
      </ReportChart>
      <ReportChart
        id="chart-first-response"
        title="First-response times per priority"
        summary={
          withData.map((p) => `${p.priority}: ${p.responses} answered, median at most ${seconds(p.p50_le_seconds)}, target ${seconds(p.target_seconds)}, ${pct(p.met_pct)} met`).join("; ") ||
          "no first responses"
        }
        labels={bucketLabels}
        series={withData.map((p, i) => ({ label: p.priority, data: p.buckets.map((b) => b.count), color: COLOURS[i % COLOURS.length] }))}
        yTitle="first responses"
        empty={first.empty}
        csv={<CsvLink name="first-response" filters={filters} />}
      >
        <table aria-label="First responses per priority">
          <thead>
            <tr>
              <th scope="col">Priority</th>
              <th scope="col">Answered</th>
              <th scope="col">Target</th>
              <th scope="col">Median ≤</th>
              <th scope="col">90% ≤</th>
              <th scope="col">Met</th>
              <th scope="col">Missed</th>
            </tr>
          </thead>
          <tbody>
            {first.priorities.map((p) => (
              <tr key={p.priority}>
                <th scope="row">{p.priority}</th>
                <td>{p.responses}</td>
                <td>{seconds(p.target_seconds)}</td>
                <td>{seconds(p.p50_le_seconds)}</td>
                <td>{seconds(p.p90_le_seconds)}</td>
                <td>{p.met}</td>
                <td>{p.missed}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </ReportChart>
      <ReportChart
        id="chart-csat"
        title="Customer satisfaction"
        summary={`${csat.answers} answers, average ${csat.average ?? "-"} of 5`}
        labels={["1", "2", "3", "4", "5"]}
        series={[{ label: "answers", data: ["1", "2", "3", "4", "5"].map((s) => csat.distribution[s] ?? 0), color: COLOURS[0] }]}
        yTitle="answers"
        empty={csat.empty}
        csv={<CsvLink name="csat" filters={filters} />}
      >
        <table aria-label="CSAT answers per score">
          <thead>
            <tr>
              <th scope="col">Score</th>
              <th scope="col">Answers</th>
            </tr>
          </thead>
          <tbody>
            {["1", "2", "3", "4", "5"].map((s) => (
              <tr key={s}>
                <th scope="row">{s}</th>
                <td>{csat.distribution[s] ?? 0}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <table aria-label="CSAT per day">
          <thead>
            <tr>
              <th scope="col">Day</th>
              <th scope="col">Answers</th>
              <th scope="col">Average</th>
            </tr>
          </thead>
          <tbody>
            {csat.days
              .filter((d) => d.answers)
              .map((d) => (
                <tr key={d.day}>
                  <th scope="row">{d.day}</th>
                  <td>{d.answers}</td>
                  <td>{d.average}</td>
                </tr>
              ))}
          </tbody>
        </table>
      </ReportChart>
      <ReportChart
        id="chart-volume"
        title="Cases opened per hour"
        summary={`${volume.cases} cases: ${queues.map((q) => `${q} ${volume.by_queue[q]}`).join(", ")}`}
        labels={hours.map((h) => h.slice(0, 13).replace("T", " ") + "h")}
        series={queues.map((q, i) => ({
          label: q,
          data: hours.map((h) => volume.hours.find((v) => v.hour === h && v.queue === q)?.cases ?? 0),
          color: COLOURS[i % COLOURS.length],
        }))}
        stacked
        yTitle="cases"
        empty={volume.empty}
        csv={<CsvLink name="volume" filters={filters} />}
      >
        <table aria-label="Cases opened per queue">
          <thead>
            <tr>
              <th scope="col">Queue</th>
              <th scope="col">Cases</th>
            </tr>
          </thead>
          <tbody>
            {queues.map((q) => (
              <tr key={q}>
                <th scope="row">{q}</th>
                <td>{volume.by_queue[q]}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </ReportChart>
      <ReportChart
        id="chart-reopened"
        title="Reopened after a low score"
        summary={`${reopened.reopened_after_low_score} of ${reopened.resolved} resolved cases reopened after a low score (${reopened.share_pct === null ? "-" : `${reopened.share_pct}%`})`}
        labels={reopened.days.map((d) => d.day)}
        series={[
          { label: "resolved", data: reopened.days.map((d) => d.resolved), color: COLOURS[2] },
          { label: "reopened after a low score", data: reopened.days.map((d) => d.reopened_after_low_score), color: COLOURS[1] },
        ]}
        yTitle="cases"
        empty={reopened.empty}
        csv={<CsvLink name="reopened" filters={filters} />}
      >
        <table aria-label="Reopened after a low score">
          <tbody>
            <tr>
              <th scope="row">Resolved</th>
              <td>{reopened.resolved}</td>
            </tr>
            <tr>
              <th scope="row">Reopened after a low score</th>
              <td>{reopened.reopened_after_low_score}</td>
            </tr>
          </tbody>
        </table>
      </ReportChart>
      <ReportChart
        id="chart-corrections"
        title="Routing corrections per week"
        summary={`${corrections.corrections} corrections`}
        labels={corrections.weeks.map((w) => w.week)}
        series={[
          { label: "moved to another queue", data: corrections.weeks.map((w) => w.queue_moves), color: COLOURS[0] },
          { label: "handed to another agent", data: corrections.weeks.map((w) => w.agent_moves), color: COLOURS[3] },
        ]}
        stacked
        yTitle="corrections"
        empty={corrections.empty}
        csv={<CsvLink name="corrections" filters={filters} />}
      >
        <table aria-label="Routing corrections per week">
          <thead>
            <tr>
              <th scope="col">Week of</th>
              <th scope="col">Queue moves</th>
              <th scope="col">Agent moves</th>
            </tr>
          </thead>
          <tbody>
            {corrections.weeks.map((w) => (
              <tr key={w.week}>
                <th scope="row">{w.week}</th>
                <td>{w.queue_moves}</td>
                <td>{w.agent_moves}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </ReportChart>
    </div>
  );
}

const NAMES: ReportName[] = ["sla", "first-response", "csat", "volume", "reopened", "corrections"];

export function Team() {
  const { api, me } = useApp();
  const today = new Date();
  const [filters, setFilters] = useState<ReportFilters>({
    from: isoDay(new Date(today.getTime() - 6 * 86400000)),
    to: isoDay(today),
    queue: "",
  });
  const [team, setTeam] = useState<TeamBody | null>(null);
  const [alarms, setAlarms] = useState<AlarmState[] | null>(null);
  const [unreadable, setUnreadable] = useState<UnreadablePost[] | null>(null);
  const [reports, setReports] = useState<Reports | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [reportError, setReportError] = useState<unknown>(null);
  const refreshTeam = async () => {
    try {
      const [t, a, u] = await Promise.all([api.team(), api.alarms(), api.unreadablePosts()]);
      setTeam(t);
      setAlarms(a.alarms);
      setUnreadable(u.posts);
      setError(null);
    } catch (e) {
      setError(e);
    }
  };
  usePoll(refreshTeam, POLL_MS, []);
  useEffect(() => {
    let current = true;
    Promise.all(NAMES.map((name) => api.report(name, filters))).then(
      (answers) => {
        if (!current) return;
        setReports(Object.fromEntries(NAMES.map((name, i) => [name, answers[i]])) as unknown as Reports);
        setReportError(null);
      },
      (e) => current && setReportError(e),
    );
    return () => {
      current = false;
    };
  }, [filters.from, filters.to, filters.queue]);
  if (me.role !== "supervisor") return <Notice>The team view is for supervisors.</Notice>;
  return (
    <main id="main" tabIndex={-1} class="team">
      <h1>Team</h1>
      {error !== null && <Notice>{explain(error)}</Notice>}
      <div class="team-grid">
        {team ? <QueueHealth team={team} /> : <p class="muted">Loading…</p>}
        <div class="team-side">
          <Alarms alarms={alarms} />
          <UnreadablePosts posts={unreadable} />
        </div>
      </div>
      {team && <AgentsLoad team={team} onChange={refreshTeam} />}
      <XSpendPanel />
      <section aria-labelledby="reports-title" class="panel">
        <h2 id="reports-title">Reports</h2>
        <form class="filters" onSubmit={(e) => e.preventDefault()}>
          <label>
            From <input type="date" value={filters.from} max={filters.to} onChange={(e) => setFilters({ ...filters, from: e.currentTarget.value })} />
          </label>
          <label>
            To <input type="date" value={filters.to} max={isoDay(today)} onChange={(e) => setFilters({ ...filters, to: e.currentTarget.value })} />
          </label>
          <label>
            Queue{" "}
            <select value={filters.queue} onChange={(e) => setFilters({ ...filters, queue: e.currentTarget.value })}>
              <option value="">All queues</option>
              {me.queues.map((q) => (
                <option key={q} value={q}>
                  {q}
                </option>
              ))}
            </select>
          </label>
        </form>
        {reportError !== null && <Notice>{explain(reportError)}</Notice>}
        {reports ? <Charts reports={reports} filters={filters} /> : reportError === null && <p class="muted">Loading…</p>}
      </section>
      <CannedEditor />
    </main>
  );
}

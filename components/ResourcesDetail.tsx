import { Text } from 'ink';
import React from 'react';
import type { ResourceHistory, SeriesPoint } from '../src/console/console-model.js';
import { resourceRows, seriesStats, sizeText, utcMinute, windowed } from '../src/console/details.js';
import { downsample, sparkline } from '../src/console/sparkline.js';
import { Panel } from './Panel.js';
import { useTheme } from './theme.js';

const HOUR = 3_600_000;

const pct = (v: number | null) => (v === null ? '-' : `${v.toFixed(0)}%`);
const bytes = (v: number | null) => sizeText(v === null ? null : Math.round(v));

/** The resource history of the last hour: each series' now, min, average and max with a chart as wide as the screen, then a minute a row. */
export function ResourcesDetail({ resources, row, height, width }: { resources: ResourceHistory | null; row: number; height: number; width: number }): React.JSX.Element {
  const theme = useTheme();
  if (!resources) return <Panel title="CPU/RAM: the last hour" focused flexGrow={1} right="Esc back"><Text color={theme.muted}>? sampling…</Text></Panel>;
  const now = Date.now();
  const series: [string, readonly SeriesPoint[], (v: number | null) => string, number | undefined][] = [
    ['host cpu', resources.hostCpu, pct, 100],
    ['host mem', resources.hostMemBytes, bytes, resources.hostMemTotalBytes ?? undefined],
    ['bt   cpu', resources.daemonCpu, pct, 100],
    ['bt   rss', resources.daemonRssBytes, bytes, undefined],
  ];
  // The figures before the chart take 51 columns: label and now 15, min 12, avg and max 11 each, 2 of gap.
  const chart = Math.max(4, width - 51);
  const rows = resourceRows(resources);
  // Borders and title 3, four series, a blank line and the table's header.
  const { items, offset } = windowed(rows, row, Math.max(1, height - 9));
  return (
    <Panel title="CPU/RAM: the last hour" focused flexGrow={1} right={`${rows.length} ${rows.length === 1 ? 'minute' : 'minutes'} sampled  Esc back`}>
      {series.map(([label, points, format, max]) => {
        const s = seriesStats(points);
        return (
          <Text key={label} wrap="truncate">
            {label} {format(s.now).padStart(6)}  min {format(s.min).padStart(6)} avg {format(s.avg).padStart(6)} max {format(s.max).padStart(6)}  {sparkline(downsample(points, now - HOUR, now, chart), chart, max)}
          </Text>
        );
      })}
      <Text> </Text>
      <Text bold wrap="truncate">{'MINUTE (UTC)'.padEnd(18)}{'HOST CPU'.padStart(9)}{'HOST MEM'.padStart(10)}{'BT CPU'.padStart(9)}{'BT RSS'.padStart(9)}</Text>
      {rows.length === 0 ? <Text color={theme.muted}>· no samples yet</Text> : null}
      {items.map((r, i) => (
        <Text key={r.at} inverse={offset + i === row} wrap="truncate">
          {utcMinute(r.at).padEnd(18)}{pct(r.hostCpu).padStart(9)}{bytes(r.hostMemBytes).padStart(10)}{pct(r.daemonCpu).padStart(9)}{bytes(r.daemonRssBytes).padStart(9)}
        </Text>
      ))}
    </Panel>
  );
}

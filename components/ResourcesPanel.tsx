import { Text } from 'ink';
import React from 'react';
import type { ResourceHistory } from '../src/console/console-model.js';
import { sparkline } from '../src/console/sparkline.js';
import { Panel } from './Panel.js';
import { useTheme } from './theme.js';

const MB = 2 ** 20;

function last(points: readonly { value: number }[]): number | null {
  return points.at(-1)?.value ?? null;
}

/** Host and daemon CPU and memory: now, and the last hour as sparklines. */
export function ResourcesPanel({ resources, width, focused = false }: { resources: ResourceHistory | null; width: number; focused?: boolean }): React.JSX.Element {
  const theme = useTheme();
  const spark = Math.max(4, width - 18);
  if (!resources) return <Panel title="CPU/RAM" flexGrow={1} focused={focused}><Text color={theme.muted}>? sampling…</Text></Panel>;
  const hostCpu = last(resources.hostCpu);
  const hostMem = last(resources.hostMemBytes);
  const dCpu = last(resources.daemonCpu);
  const dRss = last(resources.daemonRssBytes);
  const pct = (v: number | null) => (v === null ? '  - ' : `${v.toFixed(0).padStart(3)}%`);
  const mb = (v: number | null) => (v === null ? '   - ' : `${(v / MB).toFixed(0).padStart(4)}M`);
  return (
    <Panel title="CPU/RAM (1h)" flexGrow={1} focused={focused}>
      <Text wrap="truncate">host cpu {pct(hostCpu)} {sparkline(resources.hostCpu.map((p) => p.value), spark, 100)}</Text>
      <Text wrap="truncate">host mem {mb(hostMem)} {sparkline(resources.hostMemBytes.map((p) => p.value), spark, resources.hostMemTotalBytes ?? undefined)}</Text>
      <Text wrap="truncate">bt   cpu {pct(dCpu)} {sparkline(resources.daemonCpu.map((p) => p.value), spark, 100)}</Text>
      <Text wrap="truncate">bt   rss {mb(dRss)} {sparkline(resources.daemonRssBytes.map((p) => p.value), spark)}</Text>
    </Panel>
  );
}

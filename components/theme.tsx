import React, { createContext, useContext } from 'react';
import type { HealthStatus } from '../src/health/types.js';

/** Semantic colour tokens; the monochrome theme has none and loses nothing, every status has a symbol. */
export interface Theme {
  ok?: string;
  warn?: string;
  critical?: string;
  unknown?: string;
  accent?: string;
  muted?: string;
  focusBorder?: string;
}

export const colourTheme: Theme = { ok: 'green', warn: 'yellow', critical: 'red', unknown: 'gray', accent: 'cyan', muted: 'gray', focusBorder: 'cyan' };
export const monoTheme: Theme = {};

export const ThemeContext = createContext<Theme>(colourTheme);
export const useTheme = (): Theme => useContext(ThemeContext);

export function ThemeProvider({ noColor, children }: { noColor: boolean; children: React.ReactNode }): React.JSX.Element {
  return <ThemeContext.Provider value={noColor ? monoTheme : colourTheme}>{children}</ThemeContext.Provider>;
}

export const STATUS_SYMBOL: Record<HealthStatus, string> = { ok: '✔', warn: '▲', critical: '✖', unknown: '?' };
/** The heatmap's cells: a quiet dot when fine, so problems stand out even without colour. */
export const CELL_SYMBOL: Record<HealthStatus, string> = { ok: '·', warn: '▲', critical: '✖', unknown: '?' };

export function statusColour(theme: Theme, status: HealthStatus): string | undefined {
  return theme[status];
}

/** Job, daemon and alert states mapped onto the four health statuses for display. */
export function stateStatus(state: string | null | undefined): HealthStatus {
  switch (state) {
    case 'success': case 'running': case 'ok': case 'resolved': return 'ok';
    case 'partial': case 'skipped': case 'backoff': case 'starting': case 'warning': case 'pending': return 'warn';
    case 'failed': case 'timeout': case 'crash-loop': case 'hung': case 'critical': case 'firing': case 'cancelled': return 'critical';
    default: return 'unknown';
  }
}

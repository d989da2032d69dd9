import React, { createContext, useContext } from 'react';
import { HEATMAP_CELL, SEVERITY_COLOUR, SEVERITY_SYMBOL, severityOf, type ColourToken, type Severity } from '../src/status/vocabulary.js';

/** Colours of the vocabulary's colour tokens; the monochrome theme has none and loses nothing, every status has a symbol. */
export type Theme = { [K in ColourToken | 'accent' | 'focusBorder']?: string };

export const colourTheme: Theme = { ok: 'green', warn: 'yellow', critical: 'red', unknown: 'gray', accent: 'cyan', muted: 'gray', focusBorder: 'cyan' };
export const monoTheme: Theme = {};

export const ThemeContext = createContext<Theme>(colourTheme);
export const useTheme = (): Theme => useContext(ThemeContext);

export function ThemeProvider({ noColor, children }: { noColor: boolean; children: React.ReactNode }): React.JSX.Element {
  return <ThemeContext.Provider value={noColor ? monoTheme : colourTheme}>{children}</ThemeContext.Provider>;
}

/** The vocabulary's symbols (src/status/vocabulary.ts), shared with the CLI. */
export const STATUS_SYMBOL = SEVERITY_SYMBOL;
/** The heatmap's cells: a quiet dot when fine, so problems stand out even without colour. */
export const CELL_SYMBOL = HEATMAP_CELL;

export function statusColour(theme: Theme, status: Severity): string | undefined {
  return theme[SEVERITY_COLOUR[status]];
}

/** Job, daemon, alert and backup words mapped to their severity by the one vocabulary. */
export function stateStatus(state: string | null | undefined): Severity {
  return severityOf(state);
}

import { render } from 'ink-testing-library';
import React from 'react';
import { ThemeProvider } from '../../components/theme.js';

/** Renders a component as a monochrome terminal shows it (NO_COLOR): symbols and words only. */
export function renderMono(node: React.ReactNode): ReturnType<typeof render> {
  return render(<ThemeProvider noColor>{node}</ThemeProvider>);
}

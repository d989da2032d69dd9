import { Text } from 'ink';
import React from 'react';
import { clockText, SHORT_CLOCK_BELOW } from '../src/console/header-layout.js';

/**
 * The time as of this frame. Between frames the console's clock ticker rewrites just these
 * cells (clockWidth) once a second, so the clock never makes Ink redraw the whole screen.
 */
export function Clock({ columns = SHORT_CLOCK_BELOW }: { columns?: number }): React.JSX.Element {
  return <Text>{clockText(Date.now(), columns)}</Text>;
}

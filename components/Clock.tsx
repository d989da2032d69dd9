import { Text } from 'ink';
import React from 'react';

export const CLOCK_WIDTH = 23;

export function utcNow(now = Date.now()): string {
  return `${new Date(now).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/**
 * The time as of this frame. Between frames the console's clock ticker rewrites just these
 * 23 cells once a second, so the clock never makes Ink redraw the whole screen.
 */
export function Clock(): React.JSX.Element {
  return <Text>{utcNow()}</Text>;
}

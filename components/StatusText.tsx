import { Text } from 'ink';
import React from 'react';
import type { HealthStatus } from '../src/health/types.js';
import { STATUS_SYMBOL, statusColour, useTheme } from './theme.js';

/** A status as symbol and word, coloured when colour is on. */
export function StatusText({ status, word }: { status: HealthStatus; word?: string }): React.JSX.Element {
  const theme = useTheme();
  return <Text color={statusColour(theme, status)}>{STATUS_SYMBOL[status]} {word ?? status}</Text>;
}

import { Text } from 'ink';
import React from 'react';
import type { Severity } from '../src/status/vocabulary.js';
import { STATUS_SYMBOL, statusColour, useTheme } from './theme.js';

/** A status as symbol and word, coloured when colour is on. */
export function StatusText({ status, word }: { status: Severity; word?: string }): React.JSX.Element {
  const theme = useTheme();
  return <Text color={statusColour(theme, status)}>{STATUS_SYMBOL[status]} {word ?? status}</Text>;
}

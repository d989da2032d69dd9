/**
 * The `/` filter of the Jobs and Alerts panels, as plain functions: which rows a text keeps, and
 * what the panel says when it keeps none. Any case; an empty filter keeps every row.
 */

function contains(text: string, filter: string): boolean {
  return text.toLowerCase().includes(filter.toLowerCase());
}

/** The jobs whose name contains the filter. */
export function filterJobs<T extends { name: string }>(jobs: readonly T[], filter: string): T[] {
  return filter ? jobs.filter((j) => contains(j.name, filter)) : [...jobs];
}

/** The alerts whose rule name or summary contains the filter. */
export function filterAlerts<T extends { rule: string; summary: string }>(alerts: readonly T[], filter: string): T[] {
  return filter ? alerts.filter((a) => contains(a.rule, filter) || contains(a.summary, filter)) : [...alerts];
}

/** What a filter that keeps no row says, in place of the rows: `no job matches 'xyz'`. */
export function noRowMatches(what: 'job' | 'alert', filter: string): string {
  return `no ${what} matches '${filter}'`;
}

/** A panel's title text while it is filtered: the cursor while the prompt is open. */
export function filterTitle(filter: string, filtering: boolean): string {
  return filtering ? `filter: ${filter}▏` : filter ? `filter: ${filter}` : '';
}

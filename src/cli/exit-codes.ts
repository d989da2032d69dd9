export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  timeout: 124,
} as const;

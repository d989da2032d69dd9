/** Binance's `{code, msg}` error bodies, worded as the exchange words them. */

export interface BinanceError {
  status: number;
  code: number;
  msg: string;
}

export const mandatoryParam = (name: string): BinanceError => ({
  status: 400, code: -1102, msg: `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`,
});

export const illegalChars = (name: string): BinanceError => ({
  status: 400, code: -1100, msg: `Illegal characters found in parameter '${name}'; legal range is '^[0-9]{1,20}$'.`,
});

export const INVALID_SYMBOL: BinanceError = { status: 400, code: -1121, msg: 'Invalid symbol.' };
export const INVALID_INTERVAL: BinanceError = { status: 400, code: -1120, msg: 'Invalid interval.' };
export const INVALID_LIMIT: BinanceError = { status: 400, code: -1130, msg: "Data sent for parameter 'limit' is not valid." };
export const START_AFTER_END: BinanceError = { status: 400, code: -1023, msg: 'Start time is greater than end time.' };
export const INTERNAL_ERROR_MSG = 'Internal error; unable to process your request. Please try again.';
export const NOT_FOUND: BinanceError = { status: 404, code: -5000, msg: 'Path not found.' };
export const METHOD_NOT_ALLOWED: BinanceError = { status: 405, code: -1000, msg: 'Only GET is supported here.' };

export function errorJson(e: { code: number; msg: string }): string {
  return JSON.stringify({ code: e.code, msg: e.msg });
}

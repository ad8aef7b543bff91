/** What the kit sent and got back, and a check's breach that points at it. */

/** One HTTP request the kit sent and what came back. */
export interface Exchange {
  readonly route: string;
  /** The request body exactly as sent. */
  readonly sent: string;
  /** How the request was signed: `signed`, `unsigned`, or what the signature header held. */
  readonly signature: string;
  /** The HTTP status, absent when no answer came. */
  readonly httpStatus?: number;
  /** The response body exactly as received. */
  readonly received: string;
  /** The parsed response, when it was a JSON object. */
  readonly answer?: Readonly<Record<string, unknown>>;
  readonly contentType?: string;
  /** Why no answer came (refused connection, timeout). */
  readonly error?: string;
  readonly ms: number;
}

/** A check's breach: what was expected and the exchange that showed otherwise. */
export class CheckFailure extends Error {
  readonly code = 'CONFORM_CHECK_FAILED';
  constructor(
    message: string,
    readonly exchange?: Exchange,
  ) {
    super(message);
  }
}

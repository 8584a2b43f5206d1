// Every way a pack can be refused, with a stable code callers can branch on
// (the CLI maps any of them to exit code 2; the extension shows the message).

export type PackErrorCode =
  /** A file pack.json lists (or a required file) is not there. */
  | 'missing-file'
  /** A required file is present but pack.json's `files` does not list its hash. */
  | 'unlisted-file'
  | 'hash-mismatch'
  /** A pack path that is a symbolic link, or not a regular file (a FIFO, a device). */
  | 'unsafe-file'
  | 'bad-archive'
  | 'bad-manifest'
  | 'bad-onnx'
  | 'bad-sae'
  | 'bad-tokenizer'
  | 'bad-latents'
  | 'bad-calibration'
  | 'bad-directions'
  /** The pieces do not fit: model d_model vs SAE d_in or a direction's length, latent index vs d_sae. */
  | 'dimension-mismatch';

export class PackError extends Error {
  override readonly name = 'PackError';

  constructor(
    readonly code: PackErrorCode,
    message: string,
    /** The pack file the problem is in, relative to the pack root, when there is one. */
    readonly file?: string,
  ) {
    super(message);
  }
}

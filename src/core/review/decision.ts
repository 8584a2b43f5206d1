// A reviewer's decision on an example. No imports: the panel's page uses these types too.

/**
 * `reviewed`: seen; the finding stays. `suppressed`: the risk finding is wrong, so no finding,
 * and the example counts as clean. `rejected`: the example should not be trained on, so it
 * is left out of every clean export (its finding stays).
 */
export type Decision = 'reviewed' | 'suppressed' | 'rejected';

export const DECISIONS: readonly Decision[] = ['reviewed', 'suppressed', 'rejected'];

/** The reviewer's decision on the example at a line (0-based). */
export type DecisionAt = (line: number) => Decision | undefined;

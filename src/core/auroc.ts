// The area under the ROC curve of two samples of scores: the chance that a positive
// scores above a negative, ties counting half. Shared by the judge's agreement and
// pack evaluation.

/** Mann-Whitney AUROC by ranks (ties share their mean rank): O(n log n). */
export function auroc(positives: readonly number[], negatives: readonly number[]): number {
  const all = [...positives.map((v) => ({ v, p: true })), ...negatives.map((v) => ({ v, p: false }))].sort((a, b) => a.v - b.v);
  let rankSum = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j < all.length && all[j].v === all[i].v) j++;
    const mean = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (all[k].p) rankSum += mean;
    i = j;
  }
  const n = positives.length;
  return (rankSum - (n * (n + 1)) / 2) / (n * negatives.length);
}

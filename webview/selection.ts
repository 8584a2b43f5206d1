// Multi-select as in a list: a click selects one row, ctrl/cmd-click toggles
// one, shift-click selects the range from the anchor. Rows are named by line
// number, so a selection survives re-sorting and filtering.

export interface Selection {
  lines: ReadonlySet<number>;
  /** The line a shift-click extends from. */
  anchor: number | null;
}

export const NO_SELECTION: Selection = { lines: new Set(), anchor: null };

/** The selection after clicking the row at `index` of `order` (the lines shown, in order). */
export function clickRow(sel: Selection, order: readonly number[], index: number, mods: { shift?: boolean; ctrl?: boolean }): Selection {
  const line = order[index];
  if (mods.shift && sel.anchor !== null) {
    const from = order.indexOf(sel.anchor);
    if (from !== -1) {
      const [a, b] = from <= index ? [from, index] : [index, from];
      const lines = new Set(mods.ctrl ? sel.lines : []);
      for (let i = a; i <= b; i++) lines.add(order[i]);
      return { lines, anchor: sel.anchor };
    }
  }
  if (mods.ctrl) {
    const lines = new Set(sel.lines);
    if (!lines.delete(line)) lines.add(line);
    return { lines, anchor: line };
  }
  return { lines: new Set([line]), anchor: line };
}

/** The selected lines in file order. */
export function selectedLines(sel: Selection): number[] {
  return [...sel.lines].sort((a, b) => a - b);
}

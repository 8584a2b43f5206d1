// Keyboard use of the examples table, as in VS Code's lists: arrows, Page Up/Down,
// Home/End move the cursor (Shift extends the selection), Space toggles the
// row, Enter opens it in the editor, Ctrl/Cmd+A selects every row shown.

export type KeyAction =
  | { move: number; shift: boolean }
  | { toggle: number }
  | { open: number }
  | { selectAll: true };

/**
 * What a key does, given the cursor (its position in the order; -1 for none),
 * the rows shown and the rows in a page; null for keys the table leaves alone.
 */
export function keyAction(key: string, mods: { shift: boolean; ctrl: boolean }, cursor: number, count: number, page: number): KeyAction | null {
  if (count === 0) return null;
  const at = Math.max(0, cursor);
  const move = (to: number): KeyAction => ({ move: Math.min(count - 1, Math.max(0, to)), shift: mods.shift });
  switch (key) {
    case 'ArrowDown':
      return move(cursor === -1 ? 0 : cursor + 1);
    case 'ArrowUp':
      return move(cursor - 1);
    case 'PageDown':
      return move(at + page);
    case 'PageUp':
      return move(at - page);
    case 'Home':
      return move(0);
    case 'End':
      return move(count - 1);
    case ' ':
      return { toggle: at };
    case 'Enter':
      return cursor === -1 ? null : { open: cursor };
    case 'a':
    case 'A':
      return mods.ctrl ? { selectAll: true } : null;
    default:
      return null;
  }
}

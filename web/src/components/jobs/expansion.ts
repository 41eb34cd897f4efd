/**
 * Which folders of the Jobs tree the user opened or closed, for the whole session:
 * leaving the page and coming back keeps them. Folders the user never toggled follow
 * the tree's default (`expandedByDefault` in lib/jobtree).
 */

import { reactive } from "vue";

const toggled = reactive(new Map<string, boolean>());

export function isExpanded(path: string, byDefault: boolean): boolean {
  return toggled.get(path) ?? byDefault;
}

export function setExpanded(path: string, expanded: boolean): void {
  toggled.set(path, expanded);
}

/** Every folder in `paths` opened or closed at once. */
export function setAllExpanded(paths: Iterable<string>, expanded: boolean): void {
  for (const path of paths) toggled.set(path, expanded);
}

/** Forget the user's choices (a new filter shows every match). */
export function resetExpanded(): void {
  toggled.clear();
}

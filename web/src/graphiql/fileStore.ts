// The files a person picked in the upload plugin, by variable path. It lives outside React so
// that the picks survive the plugin pane being closed, and so that the fetcher can read them.

/** PickedSlot is what was picked for one slot. */
export interface PickedSlot {
  files: readonly File[];
  multiple: boolean;
}

/** FileStore holds the picked files and tells listeners when they change. */
export interface FileStore {
  get(): ReadonlyMap<string, PickedSlot>;
  pick(path: string, files: readonly File[], multiple: boolean): void;
  clear(path?: string): void;
  subscribe(listener: () => void): () => void;
}

export function createFileStore(): FileStore {
  let picked: ReadonlyMap<string, PickedSlot> = new Map();
  const listeners = new Set<() => void>();
  const update = (next: Map<string, PickedSlot>) => {
    picked = next;
    for (const l of listeners) l();
  };
  return {
    get: () => picked,
    pick(path, files, multiple) {
      const next = new Map(picked);
      if (files.length === 0) next.delete(path);
      else next.set(path, { files: [...files], multiple });
      update(next);
    },
    clear(path) {
      if (path === undefined) return update(new Map());
      const next = new Map(picked);
      next.delete(path);
      update(next);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

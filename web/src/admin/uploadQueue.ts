// The upload queue's state machine, kept free of React and the network so it can be tested:
// each file is queued → sending (bytes sent/total) → done | failed (code) | cancelled; a failed
// or cancelled file can be retried (queued again); a file refused by the checks before sending
// (refused) is never sent and cannot be retried.

/** UploadStatus is where one file is. */
export type UploadStatus =
  | { kind: 'checking' }
  | { kind: 'refused'; code: string; message: string }
  | { kind: 'queued' }
  | { kind: 'sending'; loaded: number; total: number }
  | { kind: 'done' }
  | { kind: 'failed'; code: string; message: string }
  | { kind: 'cancelled' };

/** UploadItem is one file in the queue. */
export interface UploadItem<F = File> {
  id: string;
  file: F;
  name: string;
  size: number;
  status: UploadStatus;
}

/** UploadAction is every change the queue knows. */
export type UploadAction<F = File> =
  | { type: 'add'; items: { id: string; file: F; name: string; size: number }[] }
  | { type: 'checked'; id: string; refusal: { code: string; message: string } | null }
  | { type: 'start'; id: string }
  | { type: 'progress'; id: string; loaded: number; total: number }
  | { type: 'succeed'; id: string }
  | { type: 'fail'; id: string; code: string; message: string }
  | { type: 'cancel'; id: string }
  | { type: 'retry'; id: string }
  | { type: 'remove'; id: string }
  | { type: 'clearFinished' };

function update<F>(queue: readonly UploadItem<F>[], id: string, f: (item: UploadItem<F>) => UploadStatus | null): UploadItem<F>[] {
  let changed = false;
  const next = queue.map((item) => {
    if (item.id !== id) return item;
    const status = f(item);
    if (!status) return item;
    changed = true;
    return { ...item, status };
  });
  return changed ? next : (queue as UploadItem<F>[]);
}

/** uploadReducer applies an action; an action that does not fit the file's state changes nothing. */
export function uploadReducer<F>(queue: readonly UploadItem<F>[], action: UploadAction<F>): UploadItem<F>[] {
  switch (action.type) {
    case 'add':
      return [...queue, ...action.items.map((i) => ({ ...i, status: { kind: 'checking' } as UploadStatus }))];
    case 'checked':
      return update(queue, action.id, (i) =>
        i.status.kind !== 'checking' ? null : action.refusal ? { kind: 'refused', ...action.refusal } : { kind: 'queued' },
      );
    case 'start':
      return update(queue, action.id, (i) => (i.status.kind === 'queued' ? { kind: 'sending', loaded: 0, total: i.size } : null));
    case 'progress':
      return update(queue, action.id, (i) =>
        i.status.kind === 'sending' ? { kind: 'sending', loaded: Math.min(action.loaded, action.total), total: action.total } : null,
      );
    case 'succeed':
      return update(queue, action.id, (i) => (i.status.kind === 'sending' ? { kind: 'done' } : null));
    case 'fail':
      return update(queue, action.id, (i) => (i.status.kind === 'sending' ? { kind: 'failed', code: action.code, message: action.message } : null));
    case 'cancel':
      return update(queue, action.id, (i) => (i.status.kind === 'sending' || i.status.kind === 'queued' ? { kind: 'cancelled' } : null));
    case 'retry':
      return update(queue, action.id, (i) => (i.status.kind === 'failed' || i.status.kind === 'cancelled' ? { kind: 'queued' } : null));
    case 'remove':
      return queue.filter((i) => i.id !== action.id || i.status.kind === 'sending');
    case 'clearFinished':
      return queue.filter((i) => i.status.kind !== 'done' && i.status.kind !== 'refused' && i.status.kind !== 'cancelled');
  }
}

/** toStart lists the queued files to start now, oldest first, so that at most `limit` are sending. */
export function toStart<F>(queue: readonly UploadItem<F>[], limit: number): string[] {
  const sending = queue.filter((i) => i.status.kind === 'sending').length;
  return queue
    .filter((i) => i.status.kind === 'queued')
    .slice(0, Math.max(0, limit - sending))
    .map((i) => i.id);
}

/** percent is the share of a file sent, 0–100 (100 once done). */
export function percent(status: UploadStatus): number {
  if (status.kind === 'done') return 100;
  if (status.kind !== 'sending' || status.total <= 0) return 0;
  return Math.floor((status.loaded / status.total) * 100);
}

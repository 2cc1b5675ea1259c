import { describe, expect, it } from 'vitest';
import { percent, toStart, uploadReducer, type UploadAction, type UploadItem } from './uploadQueue';

type Q = UploadItem<string>[];
const run = (actions: UploadAction<string>[], q: Q = []) => actions.reduce(uploadReducer<string>, q);
const add = (...ids: string[]): UploadAction<string> => ({ type: 'add', items: ids.map((id) => ({ id, file: id, name: `${id}.png`, size: 1000 })) });
const kinds = (q: Q) => q.map((i) => `${i.id}:${i.status.kind}`);

describe('uploadReducer', () => {
  it('takes a file from checking through sending to done', () => {
    let q = run([add('a'), { type: 'checked', id: 'a', refusal: null }]);
    expect(kinds(q)).toEqual(['a:queued']);
    q = run([{ type: 'start', id: 'a' }], q);
    expect(q[0].status).toEqual({ kind: 'sending', loaded: 0, total: 1000 });
    q = run([{ type: 'progress', id: 'a', loaded: 400, total: 1200 }], q);
    expect(q[0].status).toEqual({ kind: 'sending', loaded: 400, total: 1200 });
    expect(percent(q[0].status)).toBe(33);
    q = run([{ type: 'succeed', id: 'a' }], q);
    expect(q[0].status).toEqual({ kind: 'done' });
    expect(percent(q[0].status)).toBe(100);
  });

  it('never queues a refused file, and cannot retry it', () => {
    const q = run([add('a'), { type: 'checked', id: 'a', refusal: { code: 'IMAGE_TOO_SMALL', message: 'small' } }, { type: 'retry', id: 'a' }, { type: 'start', id: 'a' }]);
    expect(q[0].status).toEqual({ kind: 'refused', code: 'IMAGE_TOO_SMALL', message: 'small' });
    expect(toStart(q, 3)).toEqual([]);
  });

  it('keeps a server refusal and retries it', () => {
    let q = run([add('a'), { type: 'checked', id: 'a', refusal: null }, { type: 'start', id: 'a' }, { type: 'fail', id: 'a', code: 'STORAGE_FULL', message: 'full' }]);
    expect(q[0].status).toEqual({ kind: 'failed', code: 'STORAGE_FULL', message: 'full' });
    q = run([{ type: 'retry', id: 'a' }], q);
    expect(kinds(q)).toEqual(['a:queued']);
  });

  it('cancels a file being sent or waiting, and retries it', () => {
    let q = run([add('a', 'b'), { type: 'checked', id: 'a', refusal: null }, { type: 'checked', id: 'b', refusal: null }, { type: 'start', id: 'a' }]);
    q = run([{ type: 'cancel', id: 'a' }, { type: 'cancel', id: 'b' }], q);
    expect(kinds(q)).toEqual(['a:cancelled', 'b:cancelled']);
    // a late answer of the aborted request changes nothing
    q = run([{ type: 'succeed', id: 'a' }, { type: 'progress', id: 'a', loaded: 1, total: 2 }, { type: 'fail', id: 'a', code: 'X', message: '' }], q);
    expect(kinds(q)).toEqual(['a:cancelled', 'b:cancelled']);
    q = run([{ type: 'retry', id: 'a' }], q);
    expect(kinds(q)).toEqual(['a:queued', 'b:cancelled']);
  });

  it('ignores transitions that do not fit', () => {
    const q = run([add('a')]);
    expect(run([{ type: 'start', id: 'a' }, { type: 'succeed', id: 'a' }, { type: 'retry', id: 'a' }], q)).toBe(q);
    expect(run([{ type: 'progress', id: 'nope', loaded: 1, total: 1 }], q)).toBe(q);
  });

  it('removes and clears finished files, never one being sent', () => {
    let q = run([
      add('done', 'sending', 'refused', 'failed'),
      ...['done', 'sending', 'failed'].map((id) => ({ type: 'checked', id, refusal: null }) as const),
      { type: 'checked', id: 'refused', refusal: { code: 'IMAGE_TOO_SMALL', message: '' } },
      { type: 'start', id: 'done' },
      { type: 'succeed', id: 'done' },
      { type: 'start', id: 'sending' },
      { type: 'start', id: 'failed' },
      { type: 'fail', id: 'failed', code: 'X', message: '' },
    ]);
    expect(kinds(run([{ type: 'remove', id: 'sending' }], q))).toHaveLength(4);
    q = run([{ type: 'clearFinished' }], q);
    expect(kinds(q)).toEqual(['sending:sending', 'failed:failed']);
  });
});

describe('toStart', () => {
  it('starts the oldest queued files up to the limit', () => {
    let q = run([add('a', 'b', 'c', 'd'), ...['a', 'b', 'c', 'd'].map((id) => ({ type: 'checked', id, refusal: null }) as const)]);
    expect(toStart(q, 2)).toEqual(['a', 'b']);
    q = run([{ type: 'start', id: 'a' }], q);
    expect(toStart(q, 2)).toEqual(['b']);
    q = run([{ type: 'start', id: 'b' }], q);
    expect(toStart(q, 2)).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { moveItem, positionUpdates } from './order';

describe('moveItem', () => {
  it('moves up, down, to the ends', () => {
    expect(moveItem(['a', 'b', 'c'], 1, 0)).toEqual(['b', 'a', 'c']);
    expect(moveItem(['a', 'b', 'c'], 0, 2)).toEqual(['b', 'c', 'a']);
    expect(moveItem(['a', 'b', 'c'], 2, 0)).toEqual(['c', 'a', 'b']);
  });
  it('leaves the list as it is for a move out of range', () => {
    expect(moveItem(['a', 'b'], 0, 2)).toEqual(['a', 'b']);
    expect(moveItem(['a', 'b'], -1, 0)).toEqual(['a', 'b']);
  });
});

describe('positionUpdates', () => {
  it('saves only the positions that change', () => {
    const imgs = [
      { id: 'b', position: 1 },
      { id: 'a', position: 0 },
      { id: 'c', position: 2 },
    ];
    expect(positionUpdates(imgs)).toEqual([
      { id: 'b', position: 0 },
      { id: 'a', position: 1 },
    ]);
  });
  it('renumbers gaps and ties', () => {
    expect(positionUpdates([{ id: 'a', position: 0 }, { id: 'b', position: 0 }, { id: 'c', position: 7 }])).toEqual([
      { id: 'b', position: 1 },
      { id: 'c', position: 2 },
    ]);
  });
});
